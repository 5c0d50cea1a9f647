import { mkdirSync, openSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqliteStore } from '../../registry/sqlite-store.js';
import { call, configFolder, InProcessGateway, SYNAPSE_NS } from '../e2e/support/harness.js';
import { mediateAsync } from '../support/cli.js';

/**
 * The registry database locked, full or unreadable (docs/security.md): at start, a clear error and exit status
 * 2; at run time, a fault for the message that needed the registry, while messages that do not are served, and
 * recovery once the database is usable again. A kill -9 in the middle of a write is
 * test/registry/processes.test.ts; a kill -9 of a worker under load is worker-crash.test.ts.
 */

const API = `<api ${SYNAPSE_NS} name="RegistryAPI" context="/r">
  <resource methods="GET" uri-template="/read">
    <inSequence>
      <payloadFactory media-type="json"><format>{"greeting": "$1"}</format><args><arg expression="get-property('registry', 'gov:/security/greeting')"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/local">
    <inSequence>
      <payloadFactory media-type="json"><format>{"greeting": "$1"}</format><args><arg expression="get-property('registry', 'local:/security/greeting')"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/write">
    <inSequence>
      <property name="gov:/security/written" scope="registry" expression="json-eval($.value)"/>
      <payloadFactory media-type="json"><format>{"written": true}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/plain">
    <inSequence>
      <payloadFactory media-type="json"><format>{"plain": true}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
</api>`;

const GATEWAY_YAML = 'http: { host: 127.0.0.1 }\nadmin: { password: registry-test }\n';

describe('at start: a registry database that cannot be used is a clear error and exit status 2', () => {
  const folders: Array<ReturnType<typeof configFolder>> = [];
  afterAll(() => folders.forEach((f) => f.remove()));
  const serve = (dir: string) => mediateAsync(['serve', '--config', dir, '--port', '0', '--admin-port', '0', '--workers', '1', '--log-format', 'text']);
  const folder = () => {
    const f = configFolder({ 'gateway.yaml': GATEWAY_YAML, 'apis/registry.xml': API });
    folders.push(f);
    mkdirSync(join(f.dir, 'data'), { recursive: true });
    return f;
  };

  test.concurrent('a file that is not a database', async () => {
    const f = folder();
    const file = join(f.dir, 'data', 'governance.db');
    writeFileSync(file, 'this is not a database, it is plain text and quite long enough to look like one'.repeat(100));
    const r = await serve(f.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot open the registry database ${file}: file is not a database`);
    expect(r.stdout).not.toMatch(/listening/);
  });

  test.concurrent('a directory where the database file should be', async () => {
    const f = folder();
    const file = join(f.dir, 'data', 'config.db');
    mkdirSync(file);
    const r = await serve(f.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot open the registry database ${file}`);
  });

  test.concurrent('a database another process holds locked (after the 5 s busy timeout)', async () => {
    const f = folder();
    const file = join(f.dir, 'data', 'local.db');
    const holder = new Database(file);
    holder.pragma('journal_mode = DELETE');
    holder.exec('CREATE TABLE held (a); BEGIN EXCLUSIVE; INSERT INTO held VALUES (1);');
    try {
      const r = await serve(f.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot open the registry database ${file}: database is locked`);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 30_000);
});

describe('at run time: the message that needs the registry faults, the others are served', () => {
  let folder: ReturnType<typeof configFolder>;
  let gw: InProcessGateway;
  const file = (space: 'governance' | 'local') => join(folder.dir, 'data', `${space}.db`);
  /** The gateway's own connection to a space's database (to make it full). */
  const connection = (scope: 'gov' | 'local') =>
    ((gw.gateway.registry as unknown as { scopes: Record<string, { store: SqliteStore }> }).scopes[scope]!.store as unknown as { db: Database.Database }).db;

  beforeAll(async () => {
    folder = configFolder({ 'gateway.yaml': GATEWAY_YAML, 'apis/registry.xml': API });
    gw = await InProcessGateway.start(folder.dir);
    await gw.gateway.registry.write('gov:/security/greeting', 'hello');
    await gw.gateway.registry.write('local:/security/greeting', 'hello, local');
  });

  afterAll(async () => {
    await gw?.close();
    folder?.remove();
  });

  const VALUE = 'v'.repeat(16 * 1024);
  const read = () => call(`${gw.url}/r/read`);
  const write = (value = VALUE) => call(`${gw.url}/r/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
  const plain = () => call(`${gw.url}/r/plain`);

  async function expectOthersServed(): Promise<void> {
    expect((await plain()).json()).toEqual({ plain: true });
    expect((await read()).json()).toEqual({ greeting: 'hello' });
  }

  function expectRegistryFault(r: Awaited<ReturnType<typeof write>>, cause: RegExp, space: 'governance' | 'local'): void {
    expect(r.status).toBe(500);
    // The client learns that the request failed, not where the database lives or why: that is in the log.
    expect(r.json()).toEqual({ code: '0', type: 'Status report', message: 'Runtime Error', description: 'The gateway could not process the request.' });
    expect(r.body).not.toContain(folder.dir);
    expect(gw.logger.lines.some((l) => l.level === 'error' && cause.test(l.message) && l.message.includes(file(space)))).toBe(true);
  }

  test('all is well to begin with', async () => {
    expect((await write()).json()).toEqual({ written: true });
    expect(gw.gateway.registry.readText('gov:/security/written')).toBe(VALUE);
    await expectOthersServed();
    expect((await call(`${gw.url}/r/local`)).json()).toEqual({ greeting: 'hello, local' });
  });

  test('full (SQLITE_FULL): the write faults, reads and other APIs are served, and writes work again once there is room', async () => {
    const db = connection('gov');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    try {
      // Use up the free pages too, so that nothing is left for the next write.
      for (let i = 0; i < 1000; i++) {
        const full = await gw.gateway.registry.write(`gov:/security/filler/${i}`, 'f'.repeat(1000)).then(() => false, () => true);
        if (full) break;
      }
      // Four times the value it replaces: more pages than the old value frees.
      expectRegistryFault(await write(VALUE.repeat(4)), /database or disk is full/, 'governance');
      await expectOthersServed();
    } finally {
      db.pragma('max_page_count = 1073741823');
    }
    expect((await write()).json()).toEqual({ written: true });
  });

  test('locked by another process’s write transaction: the write faults after the busy timeout, reads go on, then it recovers', async () => {
    const holder = new Database(file('governance'), { timeout: 100 });
    holder.exec('BEGIN IMMEDIATE');
    holder.exec("UPDATE resources SET modified = modified WHERE path = '/security/greeting'");
    try {
      // WAL: readers do not wait for the writer.
      await expectOthersServed();
      const started = Date.now();
      const refused = await write();
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
      expectRegistryFault(refused, /database is locked/, 'governance');
      await expectOthersServed();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect((await write()).json()).toEqual({ written: true });
  }, 30_000);

  /** Overwrites every page after the 100-byte header (the schema and every table) while the gateway has it open. */
  function corrupt(space: 'governance' | 'local', scope: 'gov' | 'local'): void {
    const other = new Database(file(space));
    other.pragma('wal_checkpoint(TRUNCATE)');
    other.close();
    const db = connection(scope);
    const size = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    const fd = openSync(file(space), 'r+');
    writeSync(fd, Buffer.alloc(size - 100, 0xa5), 0, size - 100, 100);
    closeSync(fd);
  }

  test('unreadable local registry (its file overwritten while in use): the message reading it faults, the others are served', async () => {
    corrupt('local', 'local');
    // The store's cache keeps what it read before; a write (which fails) makes it read the file again.
    await gw.gateway.registry.write('local:/security/other', 'x').catch(() => undefined);
    const refused = await call(`${gw.url}/r/local`);
    expect(refused.status).toBe(500);
    expect(refused.json()).toMatchObject({ code: '0', type: 'Status report' });
    expect(refused.body).not.toContain(folder.dir);
    await expectOthersServed();
    expect((await write()).json()).toEqual({ written: true });
  });

  test('unreadable governance registry: every request faults, as every request looks up its uploaded flows there (fail closed)', async () => {
    corrupt('governance', 'gov');
    await gw.gateway.registry.write('gov:/security/other', 'x').catch(() => undefined);
    const answers = await Promise.all([plain(), read(), write()]);
    for (const r of answers) {
      expect(r.status).toBe(500);
      expect(r.json()).toMatchObject({ code: '0', type: 'Status report' });
      expect(r.body).not.toContain(folder.dir);
    }
  });
});
