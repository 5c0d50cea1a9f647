import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatewayConfig } from '../config/gateway-config.js';
import { MediateError } from '../errors.js';
import type { MediatorDefinition, MediatorRegistry } from '../mediator.js';

/** gateway.yaml `plugins`: modules whose exported mediator definitions are registered like the built-ins. */
export async function loadPlugins(config: GatewayConfig, mediators: MediatorRegistry): Promise<void> {
  for (const plugin of config.plugins) {
    const path = resolve(config.dir, plugin);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      throw new MediateError('MEDIATE_PLUGIN_FAILED', `plugin ${plugin}: cannot load ${path}: ${(err as Error).message}`);
    }
    const definitions = Object.values(module).flatMap((v) => (Array.isArray(v) ? v : [v])).filter(isDefinition);
    if (definitions.length === 0) throw new MediateError('MEDIATE_PLUGIN_FAILED', `plugin ${plugin} exports no mediator definition ({name, compile})`);
    for (const d of definitions) mediators.register(d);
  }
}

function isDefinition(v: unknown): v is MediatorDefinition {
  return typeof v === 'object' && v !== null && typeof (v as MediatorDefinition).name === 'string' && typeof (v as MediatorDefinition).compile === 'function';
}
