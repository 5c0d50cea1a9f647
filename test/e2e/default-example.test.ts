import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';
import { call, sleep } from './support/harness.js';

/**
 * `npm start` (node examples/default/start.mjs) end to end: the demo token endpoint and backend, the registry
 * seeded, the article's sequence uploaded as the PizzaShack in-flow, the gateway on 8280. It uses fixed ports, so
 * it is skipped when one of them is taken.
 */

const PORTS = [8280, 9164, 9443, 9080];
const DATA = join(ROOT, 'examples/default/data');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const busy: number[] = [];
for (const port of PORTS) if (!(await portFree(port))) busy.push(port);
if (busy.length > 0) {
  console.warn(`[default-example.test] skipped: port ${busy.join(', ')} is in use (npm start needs ${PORTS.join(', ')} on 127.0.0.1)`);
}

describe.skipIf(busy.length > 0)('npm start (the default example)', () => {
  let output = '';
  let child: ReturnType<typeof spawn>;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  beforeAll(async () => {
    rmSync(DATA, { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['MEDIATE_ADMIN_PASSWORD'];
    child = spawn(process.execPath, ['examples/default/start.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 45_000;
    while (!/listening http:\/\/127\.0\.0\.1:8280/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm start exited early (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not get to "listening" in time:\n${output}`);
      await sleep(50);
    }
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(DATA, { recursive: true, force: true });
  });

  test('GET /pizzashack/1.0.0/menu answers the menu 20 times, with one token request in all', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await call('http://127.0.0.1:8280/pizzashack/1.0.0/menu');
      expect(r.status, r.body).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.json()).toEqual([
        expect.objectContaining({ name: 'Margherita' }),
        expect.objectContaining({ name: 'Diavola' }),
        expect.objectContaining({ name: 'Quattro Formaggi' }),
      ]);
    }
    expect(output.match(/issued a token/g) ?? []).toHaveLength(1);
  });

  test('the admin API answers with the demo password', async () => {
    const health = await call('http://127.0.0.1:9164/health');
    expect(health.json()).toMatchObject({ status: 'ok', apis: 1 });
    const flows = await call('http://127.0.0.1:9164/apis', { headers: { authorization: `Basic ${Buffer.from('admin:admin-demo').toString('base64')}` } });
    expect(flows.status).toBe(200);
    expect(flows.json()[0]).toMatchObject({ name: 'PizzaShackAPI', flows: { in: true } });
  });

  test('SIGTERM stops everything and exits 0 within a few seconds', async () => {
    const started = Date.now();
    child.kill('SIGTERM');
    const result = await Promise.race([exited, sleep(8000).then(() => undefined)]);
    expect(result, `npm start did not exit after SIGTERM:\n${output}`).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(8000);
    for (const port of PORTS) expect(await portFree(port), `port ${port} still taken`).toBe(true);
  });
});
