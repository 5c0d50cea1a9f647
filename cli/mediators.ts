import { loadGatewayConfig } from '../engine/config/gateway-config.js';
import { loadPlugins } from '../engine/gateway/plugins.js';
import type { MediatorRegistry } from '../engine/mediator.js';
import { builtinMediators } from '../mediators/index.js';

/** The built-in mediators, plus the plug-ins gateway.yaml names when a config folder is given. */
export async function mediatorsFor(configDir: string | undefined): Promise<MediatorRegistry> {
  const mediators = builtinMediators();
  if (configDir) await loadPlugins(loadGatewayConfig(configDir, { references: 'optional' }), mediators);
  return mediators;
}
