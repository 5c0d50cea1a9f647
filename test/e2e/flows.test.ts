import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mediateAsync } from '../support/cli.js';
import { Backend, basic, call, configFolder, eventually, ServeProcess, sleep, SYNAPSE_NS } from './support/harness.js';

/**
 * Per-API flows on a running `mediate serve` (a child process): uploads through the config folder's registry
 * and through the admin API, taking effect from the next request, refused when invalid, and hot deploy of the
 * config folder's own sequence files.
 */

const USER = 'flow-admin';
const PASSWORD = 'flow-admin-password';
/** The CLI's environment: no admin credentials unless a test gives them. */
const NO_CREDENTIALS = { MEDIATE_ADMIN_USER: '', MEDIATE_ADMIN_PASSWORD: '' };

const flowSequence = (tag: string, name = 'greet-upload') =>
  `<sequence ${SYNAPSE_NS} name="${name}">\n  <header name="X-Flow" scope="transport" value="${tag}"/>\n</sequence>\n`;

// Each CLI call is a Node process start (about a second); some tests make several.
describe('flows on a running gateway', { timeout: 60_000 }, () => {
  let backend: Backend;
  let folder: ReturnType<typeof configFolder>;
  let uploads: string;
  let gateway: ServeProcess;

  const upload = (tag: string) => {
    const file = join(uploads, `${tag}.xml`);
    writeFileSync(file, flowSequence(tag));
    return file;
  };
  const flowNow = async (): Promise<string | null> => {
    const r = await call(`${gateway.url}/greet/v1/hello`);
    expect(r.status).toBe(200);
    return r.json().flow;
  };
  const viaConfig = () => ['--config', folder.dir];
  const viaGateway = () => ['--gateway', gateway.adminUrl, '--user', USER, '--password', PASSWORD];
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => mediateAsync(args, { env: { ...NO_CREDENTIALS, ...env } });

  beforeAll(async () => {
    backend = await Backend.start((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ flow: req.headers['x-flow'] ?? null }));
    });
    uploads = mkdtempSync(join(tmpdir(), 'mediate-uploads-'));
    folder = configFolder({
      'gateway.yaml': `http: { host: 127.0.0.1 }\nadmin: { user: ${USER}, password: ${PASSWORD} }\n`,
      'apis/greet.yaml': `name: GreetAPI\ncontext: /greet\nversion: v1\nendpoint: { url: "${backend.url}/svc" }\nresources:\n  - { path: /*, methods: [GET, POST] }\nflows: { in: greet-in }\n`,
      'sequences/greet-in.xml': flowSequence('file-v1', 'greet-in'),
    });
    gateway = await ServeProcess.start(folder.dir, { env: NO_CREDENTIALS });
  });

  afterAll(async () => {
    if (gateway) expect((await gateway.stop()).code).toBe(0);
    await backend?.close();
    folder?.remove();
    if (uploads) rmSync(uploads, { recursive: true, force: true });
  });

  test('before any upload, the in-flow named in the API file runs', async () => {
    expect(await flowNow()).toBe('file-v1');
  });

  test('flow upload --config: the running gateway uses the new in-flow from the next request, no restart', async () => {
    const r = await cli(['flow', 'upload', '--api', 'GreetAPI', '--flow', 'in', upload('upload-A'), ...viaConfig()]);
    expect(r.stderr).toContain('as the in flow of GreetAPI');
    expect(r.code).toBe(0);
    expect(await flowNow()).toBe('upload-A');
  });

  test('flow upload --gateway with --user and --password goes through the admin API', async () => {
    const r = await cli(['flow', 'upload', '--api', 'GreetAPI', '--flow', 'in', upload('upload-B'), ...viaGateway()]);
    expect(r.code).toBe(0);
    expect(await flowNow()).toBe('upload-B');
  });

  test('flow upload --gateway takes the credentials from MEDIATE_ADMIN_USER and MEDIATE_ADMIN_PASSWORD', async () => {
    const r = await cli(['flow', 'upload', '--api', 'GreetAPI', '--flow', 'in', upload('upload-A'), '--gateway', gateway.adminUrl], {
      MEDIATE_ADMIN_USER: USER,
      MEDIATE_ADMIN_PASSWORD: PASSWORD,
    });
    expect(r.code).toBe(0);
    expect(await flowNow()).toBe('upload-A');
  });

  test('flow upload --gateway with a wrong password is refused (401) and changes nothing', async () => {
    const r = await cli(['flow', 'upload', '--api', 'GreetAPI', '--flow', 'in', upload('upload-X'), '--gateway', gateway.adminUrl, '--user', USER, '--password', 'wrong']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/401/);
    const none = await cli(['flow', 'upload', '--api', 'GreetAPI', '--flow', 'in', upload('upload-X'), '--gateway', gateway.adminUrl]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/password/);
    expect(await flowNow()).toBe('upload-A');
  });

  describe('a broken upload is refused with exit 2 and file:line:col, and the old flow keeps serving', () => {
    const broken = {
      'malformed XML': `<sequence ${SYNAPSE_NS} name="broken">\n  <header name="X-Flow" scope="transport" value="broken">\n</sequence>\n`,
      'an unknown mediator': `<sequence ${SYNAPSE_NS} name="broken">\n  <header name="X-Flow" scope="transport" value="broken"/>\n  <frobnicate/>\n</sequence>\n`,
    };
    test.each(Object.keys(broken) as Array<keyof typeof broken>)('%s', async (kind) => {
      const file = join(uploads, `broken-${kind.replace(/\W/g, '-')}.xml`);
      writeFileSync(file, broken[kind]);
      for (const target of [viaConfig(), viaGateway()]) {
        const r = await cli(['flow', 'upload', '--api', 'GreetAPI', '--flow', 'in', file, ...target]);
        expect(r.code).toBe(2);
        const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        expect(r.stderr).toMatch(new RegExp(`^${escaped}:\\d+:\\d+: `, 'm'));
        if (kind === 'an unknown mediator') expect(r.stderr).toMatch(new RegExp(`^${escaped}:3:3: .*frobnicate`, 'm'));
      }
      expect(await flowNow()).toBe('upload-A');
    });
  });

  test('flow get and flow ls show the upload, from the registry or the admin API', async () => {
    const expected = flowSequence('upload-A');
    for (const target of [viaConfig(), viaGateway()]) {
      const get = await cli(['flow', 'get', '--api', 'GreetAPI', '--flow', 'in', ...target]);
      expect(get.code).toBe(0);
      expect(get.stdout).toBe(expected);
      const ls = await cli(['flow', 'ls', ...target]);
      expect(ls.code).toBe(0);
      expect(ls.stdout).toBe('GreetAPI v1\tin\n');
    }
    const missing = await cli(['flow', 'get', '--api', 'GreetAPI', '--flow', 'out', ...viaGateway()]);
    expect(missing.code).toBe(4);
    const noApi = await cli(['flow', 'get', '--api', 'NoSuchAPI', '--flow', 'in', ...viaConfig()]);
    expect(noApi.code).toBe(4);
    expect(noApi.stderr).toMatch(/NoSuchAPI/);
  });

  test('the API may be named by its run-time name (GreetAPI:vv1), through the registry or the admin API', async () => {
    const viaRegistry = await cli(['flow', 'upload', '--api', 'GreetAPI:vv1', '--flow', 'in', upload('upload-R'), ...viaConfig()]);
    expect(viaRegistry.code).toBe(0);
    expect(await flowNow()).toBe('upload-R');
    const get = await cli(['flow', 'get', '--api', 'GreetAPI:vv1', '--flow', 'in', ...viaConfig()]);
    expect(get.stdout).toBe(flowSequence('upload-R'));
    const viaAdmin = await cli(['flow', 'upload', '--api', 'GreetAPI:vv1', '--flow', 'in', upload('upload-A'), ...viaGateway()]);
    expect(viaAdmin.code).toBe(0);
    expect(await flowNow()).toBe('upload-A');
  });

  test('replacing the flow under a steady stream of requests: none fails, old then new behaviour', async () => {
    expect(await flowNow()).toBe('upload-A');
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    const results: Array<{ start: number; end: number; flow?: string; error?: string }> = [];
    const TOTAL = 300;
    const CONCURRENCY = 10;
    const SPREAD_MS = 2000;
    const t0 = Date.now();
    let uploadStart = 0;
    let uploadEnd = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < TOTAL / CONCURRENCY; i++) {
        const due = t0 + ((i * CONCURRENCY + w) * SPREAD_MS) / TOTAL;
        if (due > Date.now()) await sleep(due - Date.now());
        const start = Date.now();
        try {
          const r = await call(`${gateway.url}/greet/v1/stream`, { agent });
          results.push(r.status === 200 ? { start, end: Date.now(), flow: r.json().flow } : { start, end: Date.now(), error: `status ${r.status}: ${r.body}` });
        } catch (err) {
          results.push({ start, end: Date.now(), error: String(err) });
        }
      }
    };
    const replace = async () => {
      await sleep(SPREAD_MS / 2);
      uploadStart = Date.now();
      const r = await call(`${gateway.adminUrl}/apis/GreetAPI/flows/in`, {
        method: 'PUT',
        headers: { authorization: basic(USER, PASSWORD), 'content-type': 'application/xml' },
        body: flowSequence('upload-C'),
      });
      uploadEnd = Date.now();
      expect(r.status).toBe(200);
    };
    await Promise.all([...Array.from({ length: CONCURRENCY }, (_, w) => worker(w)), replace()]);
    agent.destroy();

    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results).toHaveLength(TOTAL);
    expect(new Set(results.map((r) => r.flow))).toEqual(new Set(['upload-A', 'upload-C']));
    // Finished before the upload began: old. Began after the upload was stored: new.
    expect(results.filter((r) => r.end < uploadStart).every((r) => r.flow === 'upload-A')).toBe(true);
    expect(results.filter((r) => r.start > uploadEnd).every((r) => r.flow === 'upload-C')).toBe(true);
    expect(results.filter((r) => r.start > uploadEnd).length).toBeGreaterThan(TOTAL / 4);
    // In order: once a request has seen the new flow, no request started after it sees the old one.
    const firstNewEnd = Math.min(...results.filter((r) => r.flow === 'upload-C').map((r) => r.end));
    expect(results.filter((r) => r.start > firstNewEnd && r.flow === 'upload-A')).toEqual([]);
  });

  test('flow rm: the API falls back to the in-flow of its file; removing again is exit 4', async () => {
    const rm = await cli(['flow', 'rm', '--api', 'GreetAPI', '--flow', 'in', ...viaGateway()]);
    expect(rm.code).toBe(0);
    expect(await flowNow()).toBe('file-v1');
    const again = await cli(['flow', 'rm', '--api', 'GreetAPI', '--flow', 'in', ...viaConfig()]);
    expect(again.code).toBe(4);
    const ls = await cli(['flow', 'ls', ...viaConfig()]);
    expect(ls.stdout).toBe('GreetAPI v1\t-\n');
  });

  test('hot deploy: an edited sequence file is picked up; a broken one is reported and the last good one serves', async () => {
    folder.write('sequences/greet-in.xml', flowSequence('file-v2', 'greet-in'));
    await eventually(async () => ((await flowNow()) === 'file-v2' ? true : undefined), 3000, 'the edited sequence serving');

    const stderrBefore = gateway.stderr.length;
    folder.write('sequences/greet-in.xml', `<sequence ${SYNAPSE_NS} name="greet-in">\n  <header name="X-Flow" scope="transport" value="file-v3"/>\n  <frobnicate/>\n</sequence>\n`);
    await eventually(() => (/greet-in\.xml:3:3: .*frobnicate/.test(gateway.stderr.slice(stderrBefore)) ? true : undefined), 3000, 'the broken file being reported');
    expect(gateway.stderr.slice(stderrBefore)).toMatch(/previous one keeps serving/);
    for (let i = 0; i < 5; i++) {
      expect(await flowNow()).toBe('file-v2');
      await sleep(50);
    }

    folder.write('sequences/greet-in.xml', flowSequence('file-v3', 'greet-in'));
    await eventually(async () => ((await flowNow()) === 'file-v3' ? true : undefined), 3000, 'the repaired sequence serving');
  });
});
