import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, sleep } from '../support/harness.js';
import { AuthorizationServer } from '../oauth/support/authorization-server.js';
import { ProtectedBackend } from '../oauth/support/protected-backend.js';
import { createDatabase, postgresUrl, withClient, type TestDatabase } from '../../support/postgres.js';
import { clusterApis, pingFlow, SECRETS_ENV } from './support/apis.js';
import { load, startCluster, stopAll, type ClusterNode } from './support/cluster.js';

/**
 * Three `mediate serve` processes sharing a governance registry in PostgreSQL, in front of a real OAuth2 server
 * and a backend that checks its tokens. The tests run in order on the same cluster: the last two kill nodes.
 */
describe.runIf(postgresUrl)('a cluster of three gateways on one PostgreSQL governance registry', () => {
  let db: TestDatabase;
  let idp: AuthorizationServer;
  let backend: ProtectedBackend;
  let nodes: ClusterNode[] = [];
  let a: ClusterNode, b: ClusterNode, c: ClusterNode;

  beforeAll(async () => {
    db = await createDatabase(postgresUrl!);
    idp = await AuthorizationServer.start();
    backend = await ProtectedBackend.start(idp);
    nodes = await startCluster({ pgUrl: db.url, files: clusterApis(idp, backend), count: 3, env: SECRETS_ENV });
    [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  }, 60_000);

  afterAll(async () => {
    await stopAll(nodes);
    await backend?.close();
    await idp?.close();
    await db?.drop();
  });

  test('300 concurrent cold requests spread over the nodes make one token request in all', async () => {
    const before = idp.tokenRequests;
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => nodes[i % 3]!.get(`/protected/1.0.0/items/${i}`)));
    expect(answers.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    expect(idp.tokenRequests - before).toBe(1);
    expect(backend.refusals).toEqual({ missing: 0, expired: 0, invalid: 0, refused: 0 });
    const tokens = await c.admin('GET', '/registry/gov:/mediate/oauth2/tokens?list');
    expect(tokens.json<unknown[]>()).toHaveLength(1);
  });

  test('a flow uploaded on node A is used by node C within one second, and so is a registry resource written on A', async () => {
    expect((await c.get('/ping/1.0.0/hello')).status).toBe(401);
    const uploaded = await a.admin('PUT', '/apis/PingAPI/flows/in', pingFlow('v1'), 'application/xml');
    expect(uploaded.status, uploaded.body).toBe(200);
    let started = Date.now();
    const first = await eventually(async () => {
      const r = await c.get('/ping/1.0.0/hello');
      return r.status === 200 ? r.json<{ flow: string; greeting: string }>() : undefined;
    }, 1000, 'node C using the flow uploaded on A');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(first).toEqual({ flow: 'v1', greeting: '' });

    expect((await a.admin('PUT', '/registry/gov:/cluster/greeting', 'hello from A')).status).toBe(200);
    started = Date.now();
    await eventually(async () => ((await c.get('/ping/1.0.0/hello')).json<{ greeting: string }>().greeting === 'hello from A' ? true : undefined), 1000, 'node C reading the resource written on A');
    expect(Date.now() - started).toBeLessThan(1000);

    expect((await a.admin('PUT', '/apis/PingAPI/flows/in', pingFlow('v2'), 'application/xml')).status).toBe(200);
    started = Date.now();
    for (const node of [b, c]) {
      await eventually(async () => ((await node.get('/ping/1.0.0/hello')).json<{ flow: string }>().flow === 'v2' ? true : undefined), 1000, `node ${node.name} using the new flow`);
    }
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('node B killed under load: A and C answer every request, and the registry is intact', async () => {
    const writes: Array<{ node: string; status: number }> = [];
    let done = false;
    // Registry writes through every node while it dies, so that B may be cut off mid-transaction.
    const writers = nodes.map(async (node) => {
      for (let i = 0; !done && node.alive; i++) {
        const value = `${node.name}-${i}-${'x'.repeat(2000)}`;
        const r = await node.admin('PUT', `/registry/gov:/cluster/load/${node.name}-${i}`, value).catch(() => ({ status: 0 }));
        writes.push({ node: node.name, status: r.status });
      }
    });
    const traffic = load(nodes, '/protected/1.0.0/menu', 24, () => done);
    await sleep(800);
    await b.kill();
    await sleep(1500);
    done = true;
    const results = await traffic;
    await Promise.all(writers);

    const survivors = results.filter((r) => r.node !== 'B');
    expect(survivors.length).toBeGreaterThan(100);
    expect(survivors.filter((r) => r.status !== 200)).toEqual([]);
    expect(writes.filter((w) => w.node !== 'B' && w.status !== 200)).toEqual([]);
    expect(writes.filter((w) => w.node === 'B' && w.status === 200).length).toBeGreaterThan(0);

    await withClient(db.url, async (sql) => {
      const orphans = await sql.query(`
        SELECT r.path FROM mediate_registry_resources r
        WHERE r.parent IS NOT NULL AND r.parent <> '/' AND NOT EXISTS (
          SELECT 1 FROM mediate_registry_resources p WHERE p.space = r.space AND p.path = r.parent AND p.collection)`);
      expect(orphans.rows).toEqual([]);
      const counter = await sql.query<{ version: string; last: string }>(`
        SELECT v.version, (SELECT max(version) FROM mediate_registry_changes c WHERE c.space = v.space) AS last
        FROM mediate_registry_versions v WHERE v.space = 'governance'`);
      expect(counter.rows[0]!.version).toBe(counter.rows[0]!.last);
      const written = await sql.query<{ path: string; content: Buffer }>(`SELECT path, content FROM mediate_registry_resources WHERE parent = '/cluster/load'`);
      for (const row of written.rows) expect(row.content.toString()).toBe(`${row.path.split('/').pop()}-${'x'.repeat(2000)}`);
      const token = await sql.query<{ content: Buffer; properties: string }>(`SELECT content, properties FROM mediate_registry_resources WHERE parent = '/mediate/oauth2/tokens'`);
      expect(token.rows).toHaveLength(1);
      expect(JSON.parse(token.rows[0]!.properties).digest).toBe(createHash('sha256').update(token.rows[0]!.content).digest('hex'));
      const listed = (node: ClusterNode) => node.admin('GET', '/registry/gov:/cluster/load?list').then((r) => r.json<Array<{ path: string }>>().map((e) => e.path));
      const paths = written.rows.map((r) => r.path).sort();
      expect(await listed(a)).toEqual(paths);
      expect(await listed(c)).toEqual(paths);
    });
    expect((await c.admin('PUT', '/registry/gov:/cluster/after', 'still writable')).status).toBe(200);
  });

  test('a node killed while it holds the token lease holds up the others no longer than the lease (4.5 s)', async () => {
    idp.mode = 'hang';
    const before = idp.tokenRequests;
    const pending = a.get('/lease/1.0.0/x').catch(() => undefined);
    await eventually(() => (idp.tokenRequests > before ? true : undefined), 5000, 'node A asking for the token');
    await a.kill();
    await pending;
    const killedAt = Date.now();
    idp.mode = 'ok';

    const answer = await c.get('/lease/1.0.0/x');
    const waited = Date.now() - killedAt;
    expect(answer.status, answer.body).toBe(200);
    expect(idp.tokenRequests - before).toBe(2);
    // C waited for A's lease rather than asking alongside it, and not much longer than the lease lasts.
    expect(waited).toBeGreaterThan(2500);
    expect(waited).toBeLessThan(6000);
  });
});
