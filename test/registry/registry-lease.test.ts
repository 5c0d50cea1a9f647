import { afterEach, describe, expect, test } from 'vitest';
import { Registry, RegistryReadOnlyError } from '../../registry/registry.js';
import { SqliteStore } from '../../registry/sqlite-store.js';

const opened: Registry[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

function makeRegistry(options: { govReadOnly?: boolean; redirect?: boolean } = {}) {
  const stores = { gov: new SqliteStore(':memory:'), conf: new SqliteStore(':memory:'), local: new SqliteStore(':memory:') };
  const registry = new Registry(
    {
      gov: { store: stores.gov, readOnly: options.govReadOnly ?? false },
      conf: { store: stores.conf, readOnly: true },
      local: { store: stores.local, readOnly: false },
    },
    options.redirect ? { redirectGovernanceTo: 'local' } : {},
  );
  opened.push(registry);
  return { registry, stores };
}

describe('Registry: writability and leases', () => {
  test('canWrite tells a read-only scope from a writable one, after redirection', () => {
    expect(makeRegistry().registry.canWrite('gov:/a')).toBe(true);
    const regional = makeRegistry({ govReadOnly: true }).registry;
    expect(regional.canWrite('gov:/a')).toBe(false);
    expect(regional.canWrite('/a')).toBe(false);
    expect(regional.canWrite('conf:/a')).toBe(false);
    expect(regional.canWrite('local:/a')).toBe(true);
    expect(makeRegistry({ govReadOnly: true, redirect: true }).registry.canWrite('gov:/a')).toBe(true);
  });

  test('a lease is taken in the store of its key’s scope', async () => {
    const { registry, stores } = makeRegistry();
    expect(await registry.tryLease('local:/l/k', 'A', 60_000)).toBe(true);
    expect(await stores.local.tryLease('/l/k', 'B', 60_000)).toBe(false);
    expect(await stores.gov.tryLease('/l/k', 'B', 60_000)).toBe(true);
    expect(await registry.tryLease('gov:/l/k', 'A', 60_000)).toBe(false);
    expect(await registry.releaseLease('local:/l/k', 'B')).toBe(false);
    expect(await registry.releaseLease('local:/l/k', 'A')).toBe(true);
    expect(await stores.local.tryLease('/l/k', 'B', 60_000)).toBe(true);
  });

  test('gov: redirected to local: leases in the local store', async () => {
    const { registry, stores } = makeRegistry({ redirect: true });
    expect(await registry.tryLease('gov:/l/k', 'A', 60_000)).toBe(true);
    expect(await stores.local.tryLease('/l/k', 'B', 60_000)).toBe(false);
  });

  test('a read-only scope refuses leases as it refuses writes', async () => {
    const { registry } = makeRegistry({ govReadOnly: true });
    await expect(registry.tryLease('gov:/l/k', 'A', 60_000)).rejects.toBeInstanceOf(RegistryReadOnlyError);
    await expect(registry.releaseLease('gov:/l/k', 'A')).rejects.toBeInstanceOf(RegistryReadOnlyError);
  });
});
