import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, sleep } from '../support/harness.js';
import { AuthorizationServer } from '../oauth/support/authorization-server.js';
import { ProtectedBackend } from '../oauth/support/protected-backend.js';
import { postgresUrl } from '../../support/postgres.js';
import { pausePostgres, postgresBinDir, resumePostgres, startPostgres, stopPostgres, type ThrowawayPostgres } from '../../support/postgres-server.js';
import { clusterApis, pingFlow, SECRETS_ENV } from './support/apis.js';
import { load, startCluster, stopAll, type ClusterNode } from './support/cluster.js';

/**
 * The cluster's PostgreSQL goes down under load and comes back. The server is this file's own, so stopping it
 * disturbs no other test.
 */
describe.runIf(postgresUrl && postgresBinDir())('a cluster whose PostgreSQL restarts under load', () => {
  let server: ThrowawayPostgres | undefined;
  let idp: AuthorizationServer;
  let backend: ProtectedBackend;
  let nodes: ClusterNode[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    idp = await AuthorizationServer.start();
    backend = await ProtectedBackend.start(idp);
    nodes = await startCluster({ pgUrl: server.url, files: clusterApis(idp, backend), count: 3, env: SECRETS_ENV });
  }, 60_000);

  afterAll(async () => {
    await stopAll(nodes);
    await backend?.close();
    await idp?.close();
    // Also when a test failed while the server was down: stopPostgres stops whatever runs and removes it all.
    if (server) await stopPostgres(server.dir);
  });

  test('every request is answered while it is down, /health and the log say so, and the nodes recover by themselves', async () => {
    const [a, , c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const password = new URL(server!.url).password;
    expect((await a.admin('PUT', '/apis/PingAPI/flows/in', pingFlow('before'), 'application/xml')).status).toBe(200);
    // Tokens first, so that the outage meets a node in its steady state: tokens cached, flows in its copy.
    for (const node of nodes) expect((await node.get('/protected/1.0.0/menu')).status).toBe(200);
    let done = false;
    const traffic = Promise.all([load(nodes, '/protected/1.0.0/menu', 12, () => done), load(nodes, '/ping/1.0.0/x', 4, () => done)]);
    await sleep(500);

    await pausePostgres(server!.dir);
    for (const node of nodes) {
      const health = await eventually(async () => {
        const h = await node.health();
        return h.registry.status === 'degraded' ? h : undefined;
      }, 3000, `node ${node.name} reporting the outage`);
      expect(health.status).toBe('degraded');
      expect(health.registry.reason).toMatch(/governance registry: the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres \(governance\) has been unreachable since/);
      expect(JSON.stringify(health)).not.toContain(password);
    }
    const refused = await a.admin('PUT', '/registry/gov:/cluster/during', 'no database');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body).not.toContain(password);
    await sleep(500);

    await resumePostgres(server!.dir);
    for (const node of nodes) {
      await eventually(async () => ((await node.health()).status === 'ok' ? true : undefined), 5000, `node ${node.name} recovering`);
    }
    await sleep(500);
    done = true;
    const results = (await traffic).flat();
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(results.map((r) => r.node))).toEqual(new Set(['A', 'B', 'C']));

    // Changes propagate again: an upload on A is used by C within one second.
    expect((await a.admin('PUT', '/apis/PingAPI/flows/in', pingFlow('after'), 'application/xml')).status).toBe(200);
    const started = Date.now();
    await eventually(async () => ((await c.get('/ping/1.0.0/x')).json<{ flow: string }>().flow === 'after' ? true : undefined), 1000, 'node C using the flow uploaded after the recovery');
    expect(Date.now() - started).toBeLessThan(1000);

    for (const node of nodes) {
      expect(node.serve.stderr).toMatch(/registry\.governance: the database postgres:\/\/postgres:\*\*\*@\S+ is unreachable/);
      expect(node.serve.stderr).toMatch(/registry\.governance: the database \S+ is reachable again/);
      expect(node.serve.stderr).not.toContain(password);
    }
  });
});
