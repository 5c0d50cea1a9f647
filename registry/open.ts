import { join } from 'node:path';
import type { GatewayConfig, StoreConfig } from '../engine/config/gateway-config.js';
import { MediateError } from '../engine/errors.js';
import { Registry } from './registry.js';
import { SqliteStore } from './sqlite-store.js';
import type { RegistryStore } from './store.js';

function openStore(config: StoreConfig, scope: string): RegistryStore {
  if (config.store === 'postgres') {
    throw new MediateError('MEDIATE_REGISTRY_UNSUPPORTED', `registry.${scope}: the PostgreSQL store is not available in this version; use store: sqlite`);
  }
  return new SqliteStore(config.path);
}

/**
 * Opens the registry that gateway.yaml describes. A store that cannot be opened is a clear error at start,
 * naming the file.
 */
export function openRegistry(config: GatewayConfig['registry']): Registry {
  const seen = new Map<string, string>();
  const open = (c: StoreConfig, scope: string) => {
    if (c.store === 'sqlite') {
      // One table per file: two spaces in one file would be one space, gov:/a and local:/a the same resource.
      const other = seen.get(c.path);
      if (other) throw new MediateError('MEDIATE_REGISTRY_CONFIG', `registry.${scope} and registry.${other} use the same file ${c.path}; each space needs its own`);
      seen.set(c.path, scope);
    }
    return openStore(c, scope);
  };
  return new Registry(
    {
      gov: { store: open(config.governance, 'governance'), readOnly: config.governance.readOnly },
      conf: { store: open(config.config, 'config'), readOnly: config.config.readOnly },
      local: { store: open(config.local, 'local'), readOnly: false },
    },
    config.governance.redirectTo ? { redirectGovernanceTo: config.governance.redirectTo } : {},
  );
}

/** A registry in a folder (`--registry-dir`): governance.db, config.db and local.db, all writable. */
export function openRegistryDir(dir: string): Registry {
  const sqlite = (file: string): StoreConfig => ({ store: 'sqlite', path: join(dir, file), url: null });
  return openRegistry({
    governance: { ...sqlite('governance.db'), readOnly: false, redirectTo: null },
    config: { ...sqlite('config.db'), readOnly: false },
    local: sqlite('local.db'),
  });
}

/** A registry that lives and dies with the process, for offline runs with no registry configured. */
export function openMemoryRegistry(): Registry {
  const store = () => new SqliteStore(':memory:');
  return new Registry({ gov: { store: store(), readOnly: false }, conf: { store: store(), readOnly: false }, local: { store: store(), readOnly: false } });
}
