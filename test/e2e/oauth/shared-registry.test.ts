import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tokenMetadata } from '../../../engine/endpoint/oauth/purge.js';
import { TOKENS_PATH } from '../../../engine/endpoint/oauth/token-store.js';
import { openRegistryDir } from '../../../registry/open.js';
import { AuthorizationServer, CLIENT } from './support/authorization-server.js';
import { oauthSequence, TestGateway } from './support/gateway.js';
import { ProtectedBackend } from './support/protected-backend.js';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '../../..');
const worker = join(here, 'fixtures', 'gateway-worker.ts');
const root = mkdtempSync(join(tmpdir(), 'mediate-oauth-shared-'));

let idp: AuthorizationServer;
let backend: ProtectedBackend;

beforeAll(async () => {
  idp = await AuthorizationServer.start();
  backend = await ProtectedBackend.start(idp);
  process.env['OAUTH_E2E_SHARED_SECRET'] = CLIENT.secret;
});

afterAll(async () => {
  await backend?.close();
  await idp?.close();
  rmSync(root, { recursive: true, force: true });
});

const config = () =>
  oauthSequence({
    backendUrl: backend.url,
    oauth: `<clientCredentials><clientId>${CLIENT.id}</clientId><clientSecret>\${env:OAUTH_E2E_SHARED_SECRET}</clientSecret><tokenUrl>${idp.tokenUrl}</tokenUrl></clientCredentials>`,
  });

describe('one token for the processes sharing a registry (R2)', () => {
  test('a second runtime on the same SQLite registry files uses the persisted token: no token request', async () => {
    const dir = join(root, 'two-runtimes');
    const first = openRegistryDir(dir);
    const gwA = new TestGateway(config(), first);
    const before = idp.tokenRequests;
    const started = Date.now();
    try {
      expect((await gwA.send()).status).toBe(200);
      expect(idp.tokenRequests - before).toBe(1);
    } finally {
      await gwA.close();
      await first.close();
    }
    const second = openRegistryDir(dir);
    const gwB = new TestGateway(config(), second);
    try {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => gwB.send()));
      expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill(200));
      expect(idp.tokenRequests - before).toBe(1);
      // The persisted token and its times, as `mediate registry get` shows them.
      const [meta] = tokenMetadata(second);
      const resource = await second.get(`gov:${TOKENS_PATH}/${meta!.cacheKey}`);
      expect(Number(resource!.properties['generatedAt'])).toBeGreaterThanOrEqual(started);
      expect(Number(resource!.properties['expiresAt'])).toBe(Number(resource!.properties['generatedAt']) + 300_000);
      expect(resource!.properties).toMatchObject({ grant: 'clientCredentials', clientId: CLIENT.id, tokenUrl: idp.tokenUrl });
      expect(backend.authorizations.at(-1)).toBe(`Bearer ${resource!.content.toString('utf8')}`);
    } finally {
      await gwB.close();
      await second.close();
    }
  });

  test('three processes on one registry, cold cache, 40 messages each at once: exactly one token request in total', async () => {
    const dir = join(root, 'processes');
    await openRegistryDir(dir).close(); // the files and schema exist before the race
    const configFile = join(root, 'processes.xml');
    writeFileSync(configFile, config());
    const before = idp.tokenRequests;
    const children = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, configFile, dir, '40'], { cwd: projectRoot, stdio: 'pipe', env: process.env });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const ready = new Promise<void>((resolve, reject) => {
        const check = () => (out.includes('ready\n') ? resolve() : undefined);
        child.stdout.on('data', check);
        void exited.then(() => reject(new Error(`worker exited before it was ready: ${err}`)));
      });
      return { child, ready, exited, out: () => out, err: () => err };
    });
    try {
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.child.stdin.write('go\n');
      const codes = await Promise.all(children.map((c) => c.exited));
      for (const [i, c] of children.entries()) {
        expect(codes[i], c.err()).toBe(0);
        const result = JSON.parse(c.out().trim().split('\n').at(-1)!) as { statuses: number[]; errors: string[] };
        expect(result.errors).toEqual([]);
        expect(result.statuses).toEqual(Array(40).fill(200));
      }
      expect(idp.tokenRequests - before).toBe(1);
    } finally {
      for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  });
});
