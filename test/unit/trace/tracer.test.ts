import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from '../../../engine/endpoint/http-client.js';
import { runFlow } from '../../../engine/interpreter.js';
import { redactPayload, redactValue } from '../../../engine/redact.js';
import { traceJsonLines, traceText } from '../../../engine/trace/trace-format.js';
import { Tracer } from '../../../engine/trace/tracer.js';
import type { Sequence } from '../../../engine/sequence.js';
import { mediate, ROOT } from '../../support/cli.js';
import { makeMessage, makeRuntime, MemoryRegistry } from '../../support/runtime.js';
import { loadText } from '../../support/sequences.js';

const TOKEN = 'tok-8d2f61a0c5e94b7f';
const CLIENT_AUTH = 'cGl6emFzaGFjay1jbGllbnQ6cGl6emFzaGFjay1zZWNyZXQ=';
let tokenServer: Server;
let tokenUrl: string;

beforeAll(async () => {
  tokenServer = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 }));
  });
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
});
afterAll(() => new Promise<void>((r) => tokenServer.close(() => r())));

describe("a trace of the article's sequence", () => {
  test('lists each mediator in order with what it changed, and shows no secret', async () => {
    const text = readFileSync(join(ROOT, 'sequences/oauth2-token-gov.xml'), 'utf8').replaceAll('http://127.0.0.1:9443/token', tokenUrl);
    const { configuration } = loadText(text, 'oauth2-token-gov.xml');
    const registry = new MemoryRegistry();
    await registry.write('gov:/api-backend-credentials/PizzaShackAPI/access_Token', '');
    await registry.write('gov:/api-backend-credentials/PizzaShackAPI/generated_Time', '0');
    const http = new HttpClient();
    const runtime = makeRuntime({ artifacts: configuration, registry, http });
    const mc = makeMessage({ runtime, body: '{"pizza":"Diavola"}', contentType: 'application/json', to: '/menu' });
    mc.axis2.set('REST_URL_POSTFIX', '/menu');
    mc.tracer = new Tracer();
    await runFlow(mc, async () => (configuration.sequence('oauth2-token-gov') as Sequence).mediate(mc));
    if (mc.fault) throw mc.fault;
    await http.close();
    const events = mc.tracer.events;
    expect(events.map((e) => `${'  '.repeat(e.depth)}${e.mediator}`)).toEqual([
      'property', 'property', 'property', 'property', 'property',
      'filter',
      '  payloadFactory', '  header', '  header', '  property', '  property', '  call', '  property', '  property', '  property', '  property', '  header', '  payloadFactory',
    ]);
    expect(events.every((e) => e.result === 'continue')).toBe(true);
    expect(events[0]!.location).toMatch(/^oauth2-token-gov\.xml:\d+:3$/);
    expect(events[0]!.properties.set).toEqual({ access_token: '' });
    expect(events[1]!.properties.set).toEqual({ 'generated-time': '0' });
    // A property whose name says it holds a credential is masked.
    expect(events[2]!.properties.set).toEqual({ 'app-client-auth': '***' });
    expect(events[5]!.branch).toBe('then');
    expect(events[6]!.payload!.after).toContain('grant_type');
    expect(events[7]!.headers.set).toEqual({ Authorization: 'Basic ***' });
    expect(events[11]!.properties.set['axis2:HTTP_SC']).toBe('200');
    expect(events[11]!.payload!.after).toBe(JSON.stringify({ access_token: '***', token_type: 'Bearer', expires_in: 3600 }));
    expect(events[16]!.headers.set).toEqual({ Authorization: 'Bearer ***' });
    expect(events[17]!.payload!.after).toBe('{"pizza":"Diavola"}');
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
    const all = traceJsonLines(events) + traceText(events);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(CLIENT_AUTH);
    expect(all.split('\n').filter(Boolean).slice(0, events.length).every((l) => JSON.parse(l).mediator)).toBe(true);
  });
});

describe('mediate run --trace', () => {
  test('text on stderr, the result contract untouched on stdout; json gives one object per mediator', () => {
    const file = join(ROOT, 'test/golden/cases/drop-and-switch.xml');
    const text = mediate(['run', file, '--header', 'X-Tier: bronze', '--trace']);
    expect(JSON.parse(text.stdout).outcome).toBe('drop');
    expect(text.stderr).toMatch(/switch {2}\S+drop-and-switch\.xml:2:3 {2}[\d.]+ ms {2}→ default/);
    const json = mediate(['run', file, '--header', 'X-Tier: gold', '--trace', 'json']);
    const lines = json.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { mediator: string; branch?: string });
    expect(lines.map((l) => l.mediator)).toEqual(['switch', 'property', 'filter', 'property']);
    expect(lines[0]!.branch).toBe('case gold|platinum');
  });
});

describe('the redaction list', () => {
  test('credentials keep their scheme; secret names are masked; payload fields too', () => {
    expect(redactValue('Authorization', 'Bearer abc')).toBe('Bearer ***');
    expect(redactValue('X-Anything', 'Basic dXNlcjpwYXNz')).toBe('Basic ***');
    expect(redactValue('client_secret', 's3cret')).toBe('***');
    expect(redactValue('X-Api-Key', 'k')).toBe('***');
    expect(redactValue('Accept', 'application/json')).toBe('application/json');
    expect(redactPayload('{"access_token":"t","user":{"password":"p","name":"n"}}')).toBe('{"access_token":"***","user":{"password":"***","name":"n"}}');
    expect(redactPayload('grant_type=password&username=u&password=p')).toBe('grant_type=password&username=u&password=***');
    expect(redactPayload('<a><client_secret>x</client_secret><b>y</b></a>')).toBe('<a><client_secret>***</client_secret><b>y</b></a>');
  });
});
