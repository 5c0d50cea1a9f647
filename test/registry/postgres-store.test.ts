import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { PostgresStore } from '../../registry/postgres-store.js';
import { RegistryStoreError, type ResourceInput } from '../../registry/store.js';
import { deadPort, eventually } from '../e2e/support/harness.js';
import { pausePostgres, postgresBinDir, resumePostgres, startPostgres, stopPostgres, type ThrowawayPostgres } from '../support/postgres-server.js';
import { createDatabase, postgresUrl, withClient, type TestDatabase } from '../support/postgres.js';
import { MemoryLogger } from '../support/runtime.js';
import { registryStoreContract } from './contract.js';

const text = (content: string): ResourceInput => ({ content: Buffer.from(content), mediaType: 'text/plain', properties: {}, collection: false });
const TABLES = 'mediate_registry_schema, mediate_registry_resources, mediate_registry_leases, mediate_registry_versions, mediate_registry_changes';

describe.runIf(postgresUrl)('PostgresStore', () => {
  let db: TestDatabase;
  const opened: PostgresStore[] = [];
  const open = async (space: 'governance' | 'config' = 'governance', logger?: MemoryLogger, url = db.url) => {
    const store = await PostgresStore.open({ url, space, logger });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    db = await createDatabase(postgresUrl!);
  });

  afterAll(async () => {
    await db?.drop();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  registryStoreContract('PostgresStore', async () => {
    // Empty for every test: the store recreates the tables as a first start would.
    await withClient(db.url, (c) => c.query(`DROP TABLE IF EXISTS ${TABLES}`));
    return PostgresStore.open({ url: db.url, space: 'governance' });
  });

  describe('PostgresStore specifics', () => {
    test('describes itself by its URL and space, with the password masked', async () => {
      const store = await open();
      const password = new URL(db.url).password;
      expect(store.description).toContain('***');
      expect(store.description).toContain(new URL(db.url).host);
      expect(store.description).toContain('(governance)');
      if (password) expect(store.description).not.toContain(password);
      expect(store.status()).toEqual({ status: 'ok' });
    });

    test('a write on one node is in the other nodes’ synchronous reads within a second (NOTIFY)', async () => {
      const a = await open();
      const b = await open();
      for (const change of [
        () => a.put('/n/k', text('one')),
        () => a.setProperty('/n/k', 'p', 'v'),
        () => a.updateContent('/n/k', Buffer.from('two')),
        () => a.delete('/n'),
      ]) {
        const started = Date.now();
        await change();
        const expected = JSON.stringify(a.getSync('/n/k'));
        await eventually(() => (JSON.stringify(b.getSync('/n/k')) === expected ? true : undefined), 1000, 'the change reaching the other node');
        expect(Date.now() - started).toBeLessThan(1000);
      }
      expect(b.getSync('/n')).toBeNull();
    });

    test('a change that announced nothing is picked up within a second all the same (the periodic check)', async () => {
      const a = await open();
      await a.put('/quiet/seed', text('seed'));
      const b = await open();
      const started = Date.now();
      await withClient(db.url, async (c) => {
        await c.query('BEGIN');
        const { rows } = await c.query<{ version: string }>(`UPDATE mediate_registry_versions SET version = version + 1 WHERE space = 'governance' RETURNING version`);
        await c.query(`INSERT INTO mediate_registry_resources VALUES ('governance', '/quiet/x', '/quiet', false, 'text/plain', 'hidden', '{}', 1)`);
        await c.query(`INSERT INTO mediate_registry_changes VALUES ('governance', $1, '/quiet/x')`, [rows[0]!.version]);
        await c.query('COMMIT');
      });
      await eventually(() => b.getSync('/quiet/x')?.content.toString(), 1000, 'the silent change');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(b.getSync('/quiet/seed')?.content.toString()).toBe('seed');
    });

    test('a node that missed changes no longer recorded reloads the whole space', async () => {
      const b = await open();
      await withClient(db.url, async (c) => {
        await c.query('BEGIN');
        const { rows } = await c.query<{ version: string }>(`UPDATE mediate_registry_versions SET version = version + 2 WHERE space = 'governance' RETURNING version`);
        await c.query(`INSERT INTO mediate_registry_resources VALUES ('governance', '/pruned-1', '/', false, 'text/plain', 'one', '{}', 1), ('governance', '/pruned-2', '/', false, 'text/plain', 'two', '{}', 1)`);
        // Only the second change is still recorded, as if the first had been pruned.
        await c.query(`INSERT INTO mediate_registry_changes VALUES ('governance', $1, '/pruned-2')`, [rows[0]!.version]);
        await c.query('COMMIT');
      });
      await eventually(() => b.getSync('/pruned-1')?.content.toString(), 1000, 'the change whose record was pruned');
      expect(b.getSync('/pruned-2')?.content.toString()).toBe('two');
    });

    test('whoever takes a lease next reads what its previous holder wrote, at once', async () => {
      const a = await open();
      const b = await open();
      for (let i = 0; i < 20; i++) {
        expect(await a.tryLease('/lease/token', 'A', 60_000)).toBe(true);
        await a.put('/lease/token', text(`token-${i}`));
        expect(await a.releaseLease('/lease/token', 'A')).toBe(true);
        expect(await b.tryLease('/lease/token', 'B', 60_000)).toBe(true);
        expect(b.getSync('/lease/token')?.content.toString()).toBe(`token-${i}`);
        expect(await b.releaseLease('/lease/token', 'B')).toBe(true);
      }
    });

    test('governance and config share a database but not their resources or leases', async () => {
      const gov = await open('governance');
      const conf = await open('config');
      await gov.put('/same/path', text('gov'));
      await conf.put('/same/path', text('conf'));
      expect((await gov.get('/same/path'))?.content.toString()).toBe('gov');
      expect((await conf.get('/same/path'))?.content.toString()).toBe('conf');
      expect(await gov.tryLease('/same/lease', 'A', 60_000)).toBe(true);
      expect(await conf.tryLease('/same/lease', 'B', 60_000)).toBe(true);
      expect(await conf.delete('/same')).toBe(true);
      expect(gov.getSync('/same/path')?.content.toString()).toBe('gov');
      expect(await conf.list('/')).toEqual([]);
    });

    test('nodes starting together create the tables once; a database of a newer Mediate is refused', async () => {
      const fresh = await createDatabase(postgresUrl!);
      try {
        const stores = await Promise.all(Array.from({ length: 4 }, () => open('governance', undefined, fresh.url)));
        await stores[0]!.put('/x', text('x'));
        expect((await stores[3]!.get('/x'))?.content.toString()).toBe('x');
        const rows = await withClient(fresh.url, async (c) => (await c.query('SELECT version FROM mediate_registry_schema')).rows);
        expect(rows).toEqual([{ version: 1 }]);
        await withClient(fresh.url, (c) => c.query('UPDATE mediate_registry_schema SET version = 99'));
        const failure = PostgresStore.open({ url: fresh.url, space: 'governance' });
        await expect(failure).rejects.toBeInstanceOf(RegistryStoreError);
        await expect(failure).rejects.toThrow(/schema version 99, newer than this Mediate knows \(1\)/);
      } finally {
        for (const store of opened.splice(0)) await store.close();
        await fresh.drop();
      }
    });

    test('a database that cannot be reached, or refuses the password, is a clear error that does not show the password', async () => {
      const wrong = new URL(db.url);
      wrong.password = 'not-the-password-3f9d';
      const refused = await PostgresStore.open({ url: wrong.toString(), space: 'governance' }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(RegistryStoreError);
      expect((refused as Error).message).toMatch(/cannot open the registry database postgres:\/\/postgres:\*\*\*@/);
      expect((refused as Error).message).toMatch(/password authentication failed/);
      expect((refused as Error).message).not.toContain('not-the-password-3f9d');

      const down = new URL(db.url);
      down.port = String(await deadPort());
      const unreachable = await PostgresStore.open({ url: down.toString(), space: 'governance' }).catch((err: unknown) => err);
      expect(unreachable).toBeInstanceOf(RegistryStoreError);
      expect((unreachable as Error).message).toContain('ECONNREFUSED');
      expect((unreachable as Error).message).not.toContain(new URL(db.url).password || '\u0000');

      const malformed = await PostgresStore.open({ url: 'postgres://user:s3cret@host:notaport/db', space: 'governance' }).catch((err: unknown) => err);
      expect((malformed as Error).message).toBe('registry.governance.url is not a URL of the form postgres://user:password@host:port/database');
    });
  });
});

describe.runIf(postgresUrl && postgresBinDir())('PostgresStore when the database goes away and comes back', () => {
  let server: ThrowawayPostgres;
  const opened: PostgresStore[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  });

  afterAll(async () => {
    for (const store of opened.splice(0)) await store.close();
    if (server) await stopPostgres(server.dir);
  });

  test('mediation reads go on from the copy, writes fail, status and log say so; then it recovers by itself', async () => {
    const logger = new MemoryLogger();
    const a = await PostgresStore.open({ url: server.url, space: 'governance', logger });
    const b = await PostgresStore.open({ url: server.url, space: 'governance' });
    opened.push(a, b);
    await b.put('/flows/in', text('v1'));
    await eventually(() => a.getSync('/flows/in')?.content.toString(), 1000, 'the first write');
    const password = new URL(server.url).password;

    await pausePostgres(server.dir);
    const status = await eventually(() => {
      const s = a.status();
      return s.status === 'degraded' ? s : undefined;
    }, 2000, 'the outage being noticed');
    expect(status.reason).toMatch(/the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres \(governance\) has been unreachable since/);
    expect(a.getSync('/flows/in')?.content.toString()).toBe('v1');
    const failed = await a.put('/flows/in', text('v2')).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(RegistryStoreError);
    await expect(a.get('/flows/in')).rejects.toBeInstanceOf(RegistryStoreError);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/registry\.governance: the database postgres:\/\/postgres:\*\*\*@.* is unreachable/);

    await resumePostgres(server.dir);
    await eventually(() => (a.status().status === 'ok' ? true : undefined), 5000, 'the recovery');
    expect(logger.text()).toMatch(/is reachable again after \d+\.\d s/);
    const started = Date.now();
    await b.put('/flows/in', text('v3'));
    await eventually(() => (a.getSync('/flows/in')?.content.toString() === 'v3' ? true : undefined), 1000, 'a change after the recovery');
    expect(Date.now() - started).toBeLessThan(1000);
    await a.put('/flows/out', text('again writable'));
    for (const line of [...logger.lines.map((l) => l.message), status.reason, (failed as Error).message]) expect(line).not.toContain(password);
  });
});
