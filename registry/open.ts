import { join } from 'node:path';
import type { GatewayConfig, StoreConfig } from '../engine/config/gateway-config.js';
import { MediateError } from '../engine/errors.js';
import type { Logger } from '../engine/runtime.js';
import { PostgresStore, type SharedSpace } from './postgres-store.js';
import { Registry } from './registry.js';
import { SqliteStore } from './sqlite-store.js';
import type { RegistryStore } from './store.js';

type Space = SharedSpace | 'local';

async function openStore(config: StoreConfig, space: Space, logger: Logger | undefined): Promise<RegistryStore> {
  if (config.store === 'sqlite') return new SqliteStore(config.path);
  if (space === 'local') {
    throw new MediateError('MEDIATE_REGISTRY_CONFIG', 'registry.local: the local registry belongs to one node and stays in SQLite; store: postgres is for registry.governance and registry.config');
  }
  if (!config.url) throw new MediateError('MEDIATE_REGISTRY_CONFIG', `registry.${space}: store: postgres needs a url (postgres://user:password@host:port/database, best as \${env:NAME})`);
  return PostgresStore.open({ url: config.url, space, logger });
}

/**
 * Opens the registry that gateway.yaml describes. A store that cannot be opened is a clear error at start,
 * naming the file or the (password-masked) database; the stores opened before it are closed again.
 * `logger` hears about a PostgreSQL store's outages and recoveries.
 */
export async function openRegistry(config: GatewayConfig['registry'], logger?: Logger): Promise<Registry> {
  const seen = new Map<string, string>();
  for (const [space, c] of [['governance', config.governance], ['config', config.config], ['local', config.local]] as const) {
    if (c.store !== 'sqlite') continue;
    // One table per file: two spaces in one file would be one space, gov:/a and local:/a the same resource.
    const other = seen.get(c.path);
    if (other) throw new MediateError('MEDIATE_REGISTRY_CONFIG', `registry.${space} and registry.${other} use the same file ${c.path}; each space needs its own`);
    seen.set(c.path, space);
  }
  const opened: RegistryStore[] = [];
  const open = async (c: StoreConfig, space: Space) => {
    const store = await openStore(c, space, logger);
    opened.push(store);
    return store;
  };
  try {
    return new Registry(
      {
        gov: { store: await open(config.governance, 'governance'), readOnly: config.governance.readOnly },
        conf: { store: await open(config.config, 'config'), readOnly: config.config.readOnly },
        local: { store: await open(config.local, 'local'), readOnly: false },
      },
      config.governance.redirectTo ? { redirectGovernanceTo: config.governance.redirectTo } : {},
    );
  } catch (err) {
    for (const store of opened) await store.close();
    throw err;
  }
}

/** A registry in a folder (`--registry-dir`): governance.db, config.db and local.db, all writable. */
export function openRegistryDir(dir: string): Registry {
  const store = (file: string) => new SqliteStore(join(dir, file));
  return new Registry({
    gov: { store: store('governance.db'), readOnly: false },
    conf: { store: store('config.db'), readOnly: false },
    local: { store: store('local.db'), readOnly: false },
  });
}

/** A registry that lives and dies with the process, for offline runs with no registry configured. */
export function openMemoryRegistry(): Registry {
  const store = () => new SqliteStore(':memory:');
  return new Registry({ gov: { store: store(), readOnly: false }, conf: { store: store(), readOnly: false }, local: { store: store(), readOnly: false } });
}
