import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GatewayConfig, StoreConfig } from '../../engine/config/gateway-config.js';
import { MediateError } from '../../engine/errors.js';
import { openRegistry } from '../../registry/open.js';
import { eventually } from '../e2e/support/harness.js';
import { createDatabase, postgresUrl, withClient, type TestDatabase } from '../support/postgres.js';

const root = mkdtempSync(join(tmpdir(), 'mediate-open-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sqlite = (file: string): StoreConfig => ({ store: 'sqlite', path: join(root, file), url: null });
const postgres = (url: string | null): StoreConfig => ({ store: 'postgres', path: join(root, 'unused.db'), url });
function registryConfig(governance: StoreConfig, config: StoreConfig, local: StoreConfig): GatewayConfig['registry'] {
  return { governance: { ...governance, readOnly: false, redirectTo: null }, config: { ...config, readOnly: false }, local };
}

async function refusal(config: GatewayConfig['registry']): Promise<MediateError> {
  const error = await openRegistry(config).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(MediateError);
  return error as MediateError;
}

describe('openRegistry refuses what gateway.yaml must not say', () => {
  test('the local registry in PostgreSQL: it belongs to one node', async () => {
    const error = await refusal(registryConfig(sqlite('g1.db'), sqlite('c1.db'), postgres('postgres://u:p@127.0.0.1:1/db')));
    expect(error.code).toBe('MEDIATE_REGISTRY_CONFIG');
    expect(error.message).toMatch(/^registry\.local: the local registry belongs to one node and stays in SQLite/);
  });

  test('store: postgres without a url', async () => {
    const error = await refusal(registryConfig(postgres(null), sqlite('c2.db'), sqlite('l2.db')));
    expect(error.message).toMatch(/^registry\.governance: store: postgres needs a url/);
  });

  test('two spaces in one SQLite file', async () => {
    const error = await refusal(registryConfig(sqlite('same.db'), sqlite('same.db'), sqlite('l3.db')));
    expect(error.message).toMatch(/registry\.config and registry\.governance use the same file/);
  });
});

describe.runIf(postgresUrl)('openRegistry with PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase(postgresUrl!);
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('governance and config may share one database and stay apart; local stays in SQLite', async () => {
    const registry = await openRegistry(registryConfig(postgres(db.url), postgres(db.url), sqlite('l4.db')));
    try {
      await registry.write('gov:/shared/key', 'in governance');
      await registry.write('conf:/shared/key', 'in config');
      await registry.write('local:/shared/key', 'on this node');
      expect(registry.readText('gov:/shared/key')).toBe('in governance');
      expect(registry.readText('conf:/shared/key')).toBe('in config');
      expect(registry.readText('local:/shared/key')).toBe('on this node');
      expect(registry.status()).toEqual({ status: 'ok' });
    } finally {
      await registry.close();
    }
  });

  test('a store that cannot be opened closes the ones opened before it', async () => {
    const connections = () =>
      withClient(db.url, async (c) => Number((await c.query(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'mediate-registry-%'`)).rows[0].count));
    const error = await refusal(registryConfig(postgres(db.url), sqlite('c5.db'), postgres(db.url)));
    expect(error.message).toMatch(/^registry\.local/);
    // The server notices a closed connection a moment after the client has closed it.
    await eventually(async () => ((await connections()) === 0 ? true : undefined), 2000, 'every connection closed');
  });
});
