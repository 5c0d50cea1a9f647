import { Option, type Command } from 'commander';
import { loadGatewayConfig } from '../engine/config/gateway-config.js';
import type { Logger } from '../engine/runtime.js';
import { openMemoryRegistry, openRegistry, openRegistryDir } from '../registry/open.js';
import type { Registry } from '../registry/registry.js';

export interface RegistryOptions {
  config?: string;
  registryDir?: string;
}

export function addRegistryOptions(command: Command, configHelp: string): Command {
  return command
    .option('--config <dir>', configHelp)
    .addOption(new Option('--registry-dir <dir>', 'keep the registry in this folder (governance.db, config.db, local.db)').conflicts('config'));
}

/**
 * The registry the options name: gateway.yaml's stores with --config, a folder with --registry-dir, and
 * otherwise `fallback` (a folder for the registry command, memory for an offline run).
 */
export async function openRegistryFrom(options: RegistryOptions, fallback: 'cwd' | 'memory', logger?: Logger): Promise<Registry> {
  if (options.registryDir) return openRegistryDir(options.registryDir);
  if (options.config || fallback === 'cwd') {
    const config = loadGatewayConfig(options.config ?? '.', { references: 'optional' });
    if (config.registry.governance.redirectTo && logger) {
      logger.log('info', 'registry: gov: keys are redirected to local: (registry.governance.redirectTo)');
    }
    return openRegistry(config.registry, logger);
  }
  return openMemoryRegistry();
}
