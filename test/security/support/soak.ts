import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Backend, configFolder, SYNAPSE_NS } from '../../e2e/support/harness.js';
import { RawBackend } from '../../unit/endpoint/recording-backend.js';
import { ROOT } from '../../support/cli.js';
import { httpRequest as rawText, rawRequest } from './raw-http.js';

/**
 * The security soak (docs/security.md): one `mediate serve` process on loopback, good and hostile requests
 * mixed, its resident memory and open sockets sampled throughout. `npm run soak:security` runs it for minutes
 * (bench/security-soak.mjs); test/security/soak.test.ts for seconds.
 */

export interface SoakOptions {
  readonly seconds: number;
  /** Client loops sending at once. */
  readonly concurrency: number;
  readonly sampleMs: number;
  /** Load before the baseline is taken, not measured. */
  readonly warmupSeconds: number;
  /** Seed of the scenario choice, so that a run can be repeated. */
  readonly seed: number;
  readonly log?: (line: string) => void;
}

/** The bounds a run must stay within; the same for the short and the long run. */
export const SOAK_BOUNDS = {
  /** Resident memory at the end may exceed that after the warm-up by at most this. */
  rssGrowthBytes: 64 * 1024 * 1024,
  /** Once the load stops and keep-alive connections time out, open sockets return to the idle count plus this. */
  socketSlack: 4,
  /** Open sockets at any sample: the client loops' connections, each possibly with a backend one, and the listeners. */
  socketsPerLoop: 3,
} as const;

export interface ScenarioStats {
  readonly kind: 'good' | 'hostile';
  count: number;
  failures: number;
  lastFailure?: string;
}

export interface SoakReport {
  readonly seconds: number;
  readonly requests: number;
  readonly scenarios: Record<string, ScenarioStats>;
  readonly goodFailures: number;
  readonly hostileMismatches: number;
  readonly rss: { readonly afterWarmup: number; readonly end: number; readonly max: number; readonly growth: number };
  readonly sockets: { readonly idleBefore: number; readonly maxDuring: number; readonly idleAfter: number };
  readonly samples: Array<{ t: number; rss: number; sockets: number }>;
  readonly met: { readonly noFailedGood: boolean; readonly hostileAsExpected: boolean; readonly memory: boolean; readonly sockets: boolean };
  readonly ok: boolean;
}

const LIMITS = { maxBodyBytes: 65536, maxHeaderCount: 40, maxUrlLength: 2048, headersTimeoutMs: 1500, requestTimeoutMs: 3000 };

function config(backend: string, faulty: string): Record<string, string> {
  return {
    'gateway.yaml': `http: { host: 127.0.0.1 }\nadmin: { host: 127.0.0.1, password: soak-admin }\nworkers: 1\nlimits: ${JSON.stringify(LIMITS)}\nbackends: { keepAliveMs: 1000 }\n`,
    'apis/shop.yaml': `name: ShopAPI\ncontext: /s\nversion: v1\nendpoint: { url: "${backend}/shop", timeoutMs: 5000 }\nresources:\n  - { path: "/orders/{id}", methods: [POST] }\nflows: { in: shop-in, out: shop-out, fault: null }\n`,
    'sequences/shop-in.xml': `<sequence ${SYNAPSE_NS} name="shop-in"><header name="X-Order" scope="transport" expression="$ctx:uri.var.id"/><property name="total" expression="json-eval($.total)"/></sequence>`,
    'sequences/shop-out.xml': `<sequence ${SYNAPSE_NS} name="shop-out"><header name="X-Out" scope="transport" value="shop-out"/></sequence>`,
    'apis/pass.yaml': `name: PassAPI\ncontext: /p\nversion: v1\nendpoint: { url: "${backend}/pass", timeoutMs: 5000 }\nresources:\n  - { path: /*, methods: [GET, POST] }\n`,
    'apis/tools.xml': `<api ${SYNAPSE_NS} name="ToolsAPI" context="/x">
  <resource methods="POST" uri-template="/count">
    <inSequence>
      <property name="n" expression="count(//item)"/>
      <payloadFactory media-type="json"><format>{"items": $1}</format><args><arg expression="$ctx:n"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/json">
    <inSequence><property name="a" expression="json-eval($.a)"/><respond/></inSequence>
  </resource>
  <resource methods="GET" uri-template="/echo/{v}">
    <inSequence><header name="X-Echo" scope="transport" expression="$ctx:uri.var.v"/><respond/></inSequence>
  </resource>
  <resource methods="GET" uri-template="/fault/{mode}">
    <inSequence><send><endpoint><http method="get" uri-template="${faulty}/{uri.var.mode}">
      <timeout><duration>500</duration><responseAction>fault</responseAction></timeout>
      <suspendOnFailure><errorCodes>-1</errorCodes><initialDuration>0</initialDuration></suspendOnFailure>
      <markForSuspension><errorCodes>-1</errorCodes></markForSuspension>
    </http></endpoint></send></inSequence>
  </resource>
</api>`,
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function faultCode(a: Answer): string | undefined {
  try {
    return (JSON.parse(a.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

type Check = string | undefined;
interface Scenario {
  readonly name: string;
  readonly kind: 'good' | 'hostile';
  readonly weight: number;
  /** Undefined when the outcome is as expected, else what went wrong. */
  run(port: number, n: number): Promise<Check>;
}

const expectStatus = (a: Answer, status: number, code?: string): Check =>
  a.status !== status ? `status ${a.status} (expected ${status}): ${a.body.slice(0, 200)}` : code !== undefined && faultCode(a) !== code ? `code ${faultCode(a)} (expected ${code})` : undefined;

const SCENARIOS: Scenario[] = [
  {
    name: 'JSON order through in- and out-flows',
    kind: 'good',
    weight: 6,
    async run(port, n) {
      const a = await send(port, 'POST', `/s/v1/orders/${n}`, { 'content-type': 'application/json' }, JSON.stringify({ id: n, total: n * 3, lines: Array.from({ length: 20 }, (_, i) => ({ sku: `s${i}`, qty: i })) }));
      if (a.status !== 200) return `status ${a.status}: ${a.body.slice(0, 200)}`;
      const echo = JSON.parse(a.body) as { url: string; body: string };
      if (echo.url !== `/shop/orders/${n}` || (JSON.parse(echo.body) as { id: number }).id !== n) return `wrong answer ${a.body.slice(0, 200)}`;
      return a.headers['x-out'] === 'shop-out' ? undefined : 'no out-flow header';
    },
  },
  {
    name: 'XML counted by XPath',
    kind: 'good',
    weight: 4,
    async run(port, n) {
      const items = (n % 50) + 1;
      const a = await send(port, 'POST', '/x/count', { 'content-type': 'application/xml' }, `<order id="${n}">${'<item>x</item>'.repeat(items)}</order>`);
      return a.status === 200 && (JSON.parse(a.body) as { items: number }).items === items ? undefined : `status ${a.status}: ${a.body.slice(0, 200)}`;
    },
  },
  {
    name: 'GET streamed through',
    kind: 'good',
    weight: 5,
    async run(port, n) {
      const a = await send(port, 'GET', `/p/v1/items/${n}?lang=en`);
      return a.status === 200 && (JSON.parse(a.body) as { url: string }).url === `/pass/items/${n}?lang=en` ? undefined : `status ${a.status}: ${a.body.slice(0, 200)}`;
    },
  },
  {
    name: 'chunked upload streamed through',
    kind: 'good',
    weight: 2,
    async run(port, n) {
      const body = Buffer.alloc(16 * 1024, String(n % 10));
      const a = await send(port, 'POST', '/p/v1/upload', { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, body);
      return a.status === 200 && (JSON.parse(a.body) as { body: string }).body.length === body.length ? undefined : `status ${a.status}: ${a.body.slice(0, 200)}`;
    },
  },
  {
    name: 'body over maxBodyBytes → 413',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'POST', '/s/v1/orders/1', { 'content-type': 'application/json' }, Buffer.alloc(LIMITS.maxBodyBytes + 1, 'a')), 413, '413'),
  },
  {
    name: 'XXE → 400',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'POST', '/x/count', { 'content-type': 'application/xml' }, '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'), 400, '601000'),
  },
  {
    name: 'billion laughs → 400',
    kind: 'hostile',
    weight: 1,
    run: async (port) =>
      expectStatus(await send(port, 'POST', '/x/count', { 'content-type': 'application/xml' }, `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 8 }, (_, i) => `<!ENTITY ${'b'.repeat(i + 1)} "${`&${i ? 'b'.repeat(i) : 'a'};`.repeat(10)}">`).join('')}]><l>&bbbbbbbb;</l>`), 400, '601000'),
  },
  {
    name: 'deep JSON → 400',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'POST', '/x/json', { 'content-type': 'application/json' }, `${'['.repeat(5000)}${']'.repeat(5000)}`), 400, '601000'),
  },
  {
    name: 'malformed JSON → 400',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'POST', '/x/json', { 'content-type': 'application/json' }, '{"a": [1, 2'), 400, '601000'),
  },
  {
    name: 'CR LF into a header → fault',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'GET', '/x/echo/a%0d%0aSet-Cookie%3A%20x'), 500, '0'),
  },
  {
    name: 'path traversal → 400',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'GET', '/p/v1/%2e%2e/%2e%2e/etc/passwd'), 400, '0'),
  },
  {
    name: 'CL.TE smuggling → 400, closed',
    kind: 'hostile',
    weight: 1,
    async run(port) {
      const a = await rawRequest(port, 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX', { closeWaitMs: 1000 });
      return a.status === 400 && a.closed ? undefined : `status ${a.status}, closed ${a.closed}`;
    },
  },
  {
    name: 'too many headers → 431',
    kind: 'hostile',
    weight: 1,
    async run(port) {
      const a = await rawRequest(port, rawText('GET', '/p/v1/x', Array.from({ length: 60 }, (_, i) => [`X-H${i}`, 'v'] as const)), { closeWaitMs: 1000 });
      return a.status === 431 && a.code === '431' ? undefined : `status ${a.status} code ${a.code}`;
    },
  },
  {
    name: 'backend resets → 502',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'GET', '/x/fault/reset'), 502, '101505'),
  },
  {
    name: 'backend answers garbage → 502',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'GET', '/x/fault/garbage'), 502, '101506'),
  },
  {
    name: 'backend hangs → 504',
    kind: 'hostile',
    weight: 1,
    run: async (port) => expectStatus(await send(port, 'GET', '/x/fault/hang'), 504, '101504'),
  },
  {
    name: 'client gives up in the middle of its body',
    kind: 'hostile',
    weight: 1,
    run: (port) =>
      new Promise<Check>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /s/v1/orders/1 HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id": 1, ');
          setTimeout(() => socket.destroy(), 20);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(undefined));
      }),
  },
  {
    name: 'slow headers (slowloris) → cut off',
    kind: 'hostile',
    weight: 1,
    async run(port) {
      const started = Date.now();
      const a = await rawRequest(port, ['GET /p/v1/x HTTP/1.1\r\nHost: g\r\n', 500, 'X-A: 1\r\n', 500, 'X-B: 2\r\n', 500, 'X-C: 3\r\n', 10_000], { timeoutMs: 10_000 });
      const took = Date.now() - started;
      return a.closed && took < LIMITS.headersTimeoutMs + 2500 ? undefined : `closed ${a.closed} after ${took} ms`;
    },
  },
];

/** Deterministic choices (mulberry32), so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resident memory (bytes) and open sockets of a process (Linux /proc). */
export function processUsage(pid: number): { rss: number; sockets: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(join(`/proc/${pid}/fd`, fd)).startsWith('socket:')) sockets++;
    } catch {
      // closed while listing
    }
  }
  return { rss, sockets };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServe(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; port: number; tail: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'cli/bin.mjs'), 'serve', '--config', dir, '--port', '0', '--admin-port', '0', '--workers', '1', '--log-format', 'text'], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  // Only the end of the log is kept: a long run logs a line per request.
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const deadline = Date.now() + 30_000;
  while (!/admin API/.test(out)) {
    if (child.exitCode !== null) throw new Error(`mediate serve exited: ${err}`);
    if (Date.now() > deadline) throw new Error(`mediate serve did not start: ${out}${err}`);
    await sleep(25);
  }
  return { child, port: Number(/listening http:\/\/[^:]+:(\d+)/.exec(out)![1]), tail: () => err };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const backend = await Backend.start();
  const faulty = await RawBackend.start((socket, request) => {
    const mode = /^GET \/(\w+)/.exec(request)?.[1];
    if (mode === 'reset') socket.destroy();
    else if (mode === 'garbage') socket.end('\u0000not HTTP\r\n\r\n');
    // hang: nothing, until the gateway's endpoint timeout ends it
  });
  const folder = configFolder(config(backend.url, faulty.url()));
  const serve = await startServe(folder.dir);
  const pid = serve.child.pid!;
  const scenarios: Record<string, ScenarioStats> = Object.fromEntries(SCENARIOS.map((s) => [s.name, { kind: s.kind, count: 0, failures: 0 }]));
  const samples: SoakReport['samples'] = [];
  const totalWeight = SCENARIOS.reduce((sum, s) => sum + s.weight, 0);
  const next = random(options.seed);
  const pick = (): Scenario => {
    let r = next() * totalWeight;
    for (const s of SCENARIOS) if ((r -= s.weight) < 0) return s;
    return SCENARIOS[0]!;
  };
  let requests = 0;
  const load = async (until: number, record: boolean) => {
    let n = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, loop) => {
        while (Date.now() < until) {
          const scenario = pick();
          const id = loop * 1_000_000 + n++;
          let problem: Check;
          try {
            problem = await scenario.run(serve.port, id);
          } catch (err) {
            problem = `error: ${(err as Error).message}`;
          }
          if (!record) continue;
          requests++;
          const stats = scenarios[scenario.name]!;
          stats.count++;
          if (problem) {
            stats.failures++;
            stats.lastFailure = problem;
          }
        }
      }),
    );
  };
  try {
    await sleep(500);
    const idleBefore = processUsage(pid).sockets;
    log(`mediate serve pid ${pid}; warm-up ${options.warmupSeconds} s at ${options.concurrency} loops`);
    await load(Date.now() + options.warmupSeconds * 1000, false);
    const afterWarmup = processUsage(pid).rss;
    log(`measuring ${options.seconds} s; RSS after warm-up ${(afterWarmup / 2 ** 20).toFixed(1)} MiB`);
    const t0 = Date.now();
    let running = true;
    const sampler = (async () => {
      while (running) {
        await sleep(options.sampleMs);
        if (!running) break;
        const u = processUsage(pid);
        samples.push({ t: (Date.now() - t0) / 1000, ...u });
        log(`t=${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  requests ${String(requests).padStart(7)}  RSS ${(u.rss / 2 ** 20).toFixed(1)} MiB  sockets ${u.sockets}`);
      }
    })();
    await load(t0 + options.seconds * 1000, true);
    running = false;
    await sampler;
    const end = processUsage(pid).rss;
    // Idle: keep-alive client connections (5 s) and backend pool connections (backends.keepAliveMs 1 s) time out.
    let idleAfter = Number.POSITIVE_INFINITY;
    for (let waited = 0; waited < 8000 && idleAfter > idleBefore + SOAK_BOUNDS.socketSlack; waited += 250) {
      await sleep(250);
      idleAfter = processUsage(pid).sockets;
    }
    const max = Math.max(afterWarmup, end, ...samples.map((s) => s.rss));
    const maxSockets = Math.max(0, ...samples.map((s) => s.sockets));
    const goodFailures = Object.values(scenarios).filter((s) => s.kind === 'good').reduce((sum, s) => sum + s.failures, 0);
    const hostileMismatches = Object.values(scenarios).filter((s) => s.kind === 'hostile').reduce((sum, s) => sum + s.failures, 0);
    const met = {
      noFailedGood: goodFailures === 0,
      hostileAsExpected: hostileMismatches === 0,
      memory: end - afterWarmup <= SOAK_BOUNDS.rssGrowthBytes,
      sockets: idleAfter <= idleBefore + SOAK_BOUNDS.socketSlack && maxSockets <= idleBefore + options.concurrency * SOAK_BOUNDS.socketsPerLoop,
    };
    return {
      seconds: options.seconds,
      requests,
      scenarios,
      goodFailures,
      hostileMismatches,
      rss: { afterWarmup, end, max, growth: end - afterWarmup },
      sockets: { idleBefore, maxDuring: maxSockets, idleAfter },
      samples,
      met,
      ok: Object.values(met).every(Boolean),
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- mediate serve log (end) ---\n${serve.tail()}`);
  } finally {
    serve.child.kill('SIGTERM');
    await new Promise((r) => (serve.child.exitCode !== null ? r(undefined) : serve.child.once('exit', r)));
    await faulty.close();
    await backend.close();
    folder.remove();
  }
}

export function formatReport(r: SoakReport): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    `${r.requests} requests in ${r.seconds} s (${(r.requests / r.seconds).toFixed(0)}/s)`,
    ...Object.entries(r.scenarios).map(([name, s]) => `  ${s.kind === 'good' ? 'good   ' : 'hostile'}  ${String(s.count).padStart(6)}  ${s.failures ? `${s.failures} FAILED (${s.lastFailure})` : 'ok'}  ${name}`),
    `RSS: ${mib(r.rss.afterWarmup)} after warm-up, ${mib(r.rss.end)} at the end (growth ${mib(r.rss.growth)}, bound ${mib(SOAK_BOUNDS.rssGrowthBytes)}), max ${mib(r.rss.max)}`,
    `sockets: ${r.sockets.idleBefore} idle before, at most ${r.sockets.maxDuring} during, ${r.sockets.idleAfter} idle after (bound: idle + ${SOAK_BOUNDS.socketSlack})`,
    `${r.ok ? 'ok' : 'MISS'}  ${Object.entries(r.met).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}`,
  ];
  return lines.join('\n');
}
