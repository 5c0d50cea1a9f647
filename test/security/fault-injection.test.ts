import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closedPort, RawBackend, rawResponse } from '../unit/endpoint/recording-backend.js';
import { call, configFolder, InProcessGateway, SYNAPSE_NS } from '../e2e/support/harness.js';

/**
 * A backend that refuses, resets, hangs or answers garbage, behind a real gateway (docs/security.md). The
 * engine-level mapping of each failure to its ERROR_CODE is test/unit/endpoint/backend-errors.test.ts; here the
 * client's side: the fault flow runs with that code, or the client gets the JSON fault with it and the right
 * status; never a stack trace, never a connection left hanging, and the gateway serves on. The token server's
 * failures are test/e2e/oauth/token-server-failures.test.ts.
 */

const TIMEOUT_MS = 700;
/** A failing request must be answered within the endpoint timeout plus this. */
const SLACK_MS = 2000;

type Mode = 'ok' | 'reset' | 'reset-mid' | 'hang' | 'garbage' | 'bad-status' | 'half-headers' | 'slow-body';

const BEHAVIOUR: Record<Mode, (socket: Socket) => void> = {
  ok: (s) => s.end(rawResponse(200, '{"ok":true}', 'application/json')),
  reset: (s) => s.destroy(),
  'reset-mid': (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"partial":');
    setTimeout(() => s.destroy(), 20);
  },
  hang: () => undefined,
  garbage: (s) => s.end('\u0000\u0001this is not HTTP\r\n\r\n'),
  'bad-status': (s) => s.end('HTTP/1.1 abc Nope\r\n\r\n'),
  'half-headers': (s) => s.write('HTTP/1.1 200 OK\r\nContent-'),
  'slow-body': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly some'),
};

/** Synapse's neutralised suspension, so that each failure is seen afresh (suspension has tests of its own). */
const QOS = `<timeout><duration>${TIMEOUT_MS}</duration><responseAction>fault</responseAction></timeout>
      <suspendOnFailure><errorCodes>-1</errorCodes><initialDuration>0</initialDuration></suspendOnFailure>
      <markForSuspension><errorCodes>-1</errorCodes></markForSuspension>`;

const FAULT_SEQUENCE = `<faultSequence>
      <payloadFactory media-type="json">
        <format>{"handledBy": "fault-sequence", "code": $1, "message": "$2"}</format>
        <args><arg expression="$ctx:ERROR_CODE"/><arg expression="$ctx:ERROR_MESSAGE"/></args>
      </payloadFactory>
      <property name="HTTP_SC" scope="axis2" value="503"/>
      <respond/>
    </faultSequence>`;

function api(raw: string, dead: string): string {
  const endpoint = `<endpoint><http method="get" uri-template="${raw}/mode/{uri.var.mode}">${QOS}</http></endpoint>`;
  return `<api ${SYNAPSE_NS} name="FaultAPI" context="/f">
  <resource methods="GET" uri-template="/flow/{mode}">
    <inSequence><send>${endpoint}</send></inSequence>
    ${FAULT_SEQUENCE}
  </resource>
  <resource methods="GET" uri-template="/default/{mode}">
    <inSequence><send>${endpoint}</send></inSequence>
  </resource>
  <resource methods="GET" uri-template="/refused">
    <inSequence><send><endpoint><address uri="${dead}/nothing">${QOS}</address></endpoint></send></inSequence>
    ${FAULT_SEQUENCE}
  </resource>
  <resource methods="GET" uri-template="/refused-default">
    <inSequence><send><endpoint><address uri="${dead}/nothing">${QOS}</address></endpoint></send></inSequence>
  </resource>
</api>`;
}

const streamApi = (raw: string) => `name: StreamAPI
context: /s
version: v1
endpoint: { url: "${raw}/mode", timeoutMs: ${TIMEOUT_MS} }
resources:
  - { path: /*, methods: [GET] }
`;

let raw: RawBackend;
let folder: ReturnType<typeof configFolder>;
let gw: InProcessGateway;

beforeAll(async () => {
  raw = await RawBackend.start((socket, request) => {
    const mode = /^GET \/mode\/([\w-]+)/.exec(request)?.[1] as Mode | undefined;
    (BEHAVIOUR[mode ?? 'garbage'] ?? BEHAVIOUR.garbage)(socket);
  });
  folder = configFolder({
    'gateway.yaml': 'http: { host: 127.0.0.1 }\n',
    'apis/fault.xml': api(raw.url(), `http://127.0.0.1:${await closedPort()}`),
    'apis/stream.yaml': streamApi(raw.url()),
  });
  gw = await InProcessGateway.start(folder.dir);
});

afterAll(async () => {
  await gw?.close();
  await raw?.close();
  folder?.remove();
});

const FAILURES: Array<[string, string, number, number]> = [
  // [what, path after /flow or /default, ERROR_CODE, status of the default fault]
  ['refuses the connection', 'refused', 101503, 502],
  ['resets the connection before answering', 'reset', 101505, 502],
  ['resets the connection in the middle of the body', 'reset-mid', 101505, 502],
  ['accepts and never answers', 'hang', 101504, 504],
  ['answers garbage instead of HTTP', 'garbage', 101506, 502],
  ['answers a malformed status line', 'bad-status', 101506, 502],
  ['stops in the middle of its headers', 'half-headers', 101504, 504],
  ['stops in the middle of its body', 'slow-body', 101504, 504],
];

const path = (base: 'flow' | 'default', mode: string) => (mode === 'refused' ? `/f/${base === 'flow' ? 'refused' : 'refused-default'}` : `/f/${base}/${mode}`);

function expectClean(body: string): void {
  expect(body, 'no stack trace').not.toMatch(/\n\s+at |\bat .*\.(ts|js):\d+|node:internal/);
}

describe('a backend that fails: the fault sequence runs with the right ERROR_CODE', () => {
  test.each(FAILURES)('the backend %s → %s: ERROR_CODE %i', async (_what, mode, code) => {
    const started = Date.now();
    const r = await call(`${gw.url}${path('flow', mode)}`);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(r.status).toBe(503);
    const body = r.json<{ handledBy: string; code: number; message: string }>();
    expect(body.handledBy).toBe('fault-sequence');
    expect(body.code).toBe(code);
    expect(body.message).not.toContain('\n');
    expectClean(r.body);
  });
});

describe('a backend that fails: without a fault flow the client gets the JSON fault', () => {
  test.each(FAILURES)('the backend %s → %s: code %i, status %i', async (_what, mode, code, status) => {
    const started = Date.now();
    const r = await call(`${gw.url}${path('default', mode)}`);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json()).toMatchObject({ code: String(code), type: 'Status report' });
    expectClean(r.body);
  });
});

describe('a streamed API (no flows) in front of a failing backend', () => {
  test.each([
    ['reset', 101505, 502],
    ['hang', 101504, 504],
    ['garbage', 101506, 502],
    ['half-headers', 101504, 504],
  ] as const)('%s before the response starts: the JSON fault %i', async (mode, code, status) => {
    const r = await call(`${gw.url}/s/v1/${mode}`);
    expect(r.status).toBe(status);
    expect(r.json()).toMatchObject({ code: String(code) });
    expectClean(r.body);
  });

  test.each(['reset-mid', 'slow-body'])('%s after the response started: the client’s connection ends, it is not left hanging', async (mode) => {
    const started = Date.now();
    // The status line is already on its way when the body fails: all the gateway can do is cut the connection.
    const outcome = await call(`${gw.url}/s/v1/${mode}`).then(
      (r) => ({ status: r.status, length: r.body.length }),
      (err: Error) => ({ error: err.message }),
    );
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    if ('status' in outcome) expect(outcome.length).toBeLessThan(100);
    else expect(outcome.error).toMatch(/aborted|socket hang up|ECONNRESET|terminated|premature/i);
  });
});

describe('the gateway serves on', () => {
  test('every failure at once, with good requests among them: each gets its own answer in time', async () => {
    const paths = [...FAILURES.map(([, mode]) => path('default', mode)), ...Array.from({ length: 8 }, () => '/f/default/ok')];
    const started = Date.now();
    const answers = await Promise.all(paths.map((p) => call(`${gw.url}${p}`)));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    answers.forEach((a, i) => {
      if (paths[i]!.endsWith('/ok')) expect(a.json(), paths[i]).toEqual({ ok: true });
      else expect(a.status, paths[i]).toBeGreaterThanOrEqual(502);
    });
  });

  test('the backend answering again is used at once (suspension is off for this endpoint)', async () => {
    expect((await call(`${gw.url}/f/flow/garbage`)).status).toBe(503);
    const r = await call(`${gw.url}/f/flow/ok`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ ok: true });
  });

  test('no gateway connection is left open once the answers are in', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(gw.gateway.activeRequests).toBe(0);
  });
});
