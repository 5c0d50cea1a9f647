import { describe, expect, test } from 'vitest';
import { Registry } from '../../registry/registry.js';
import { SqliteStore } from '../../registry/sqlite-store.js';
import type { RegistryStore, StoreStatus } from '../../registry/store.js';

/** A SQLite store that reports what it is told to, as a PostgreSQL store does when its database is gone. */
function reporting(status: StoreStatus): RegistryStore {
  return Object.assign(new SqliteStore(':memory:'), { status: () => status });
}

describe('Registry.status (GET /health)', () => {
  test('ok when every store is ok or cannot fail (SQLite has no status)', async () => {
    const registry = new Registry({
      gov: { store: reporting({ status: 'ok' }), readOnly: false },
      conf: { store: new SqliteStore(':memory:'), readOnly: false },
      local: { store: new SqliteStore(':memory:'), readOnly: false },
    });
    expect(registry.status()).toEqual({ status: 'ok' });
    await registry.close();
  });

  test('degraded, naming each degraded space and why', async () => {
    const registry = new Registry({
      gov: { store: reporting({ status: 'degraded', reason: 'the database is unreachable' }), readOnly: false },
      conf: { store: reporting({ status: 'degraded', reason: 'so is this one' }), readOnly: false },
      local: { store: new SqliteStore(':memory:'), readOnly: false },
    });
    expect(registry.status()).toEqual({ status: 'degraded', reason: 'governance registry: the database is unreachable; config registry: so is this one' });
    await registry.close();
  });
});
