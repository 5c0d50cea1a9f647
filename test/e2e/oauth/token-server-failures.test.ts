import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { tokenMetadata } from '../../../engine/endpoint/oauth/purge.js';
import { TOKENS_PATH } from '../../../engine/endpoint/oauth/token-store.js';
import { openMemoryRegistry } from '../../../registry/open.js';
import type { Registry } from '../../../registry/registry.js';
import { AuthorizationServer, CLIENT, USERS, type TokenEndpointMode } from './support/authorization-server.js';
import { oauthSequence, TestGateway, type Outcome } from './support/gateway.js';
import { ProtectedBackend } from './support/protected-backend.js';

let idp: AuthorizationServer;
let backend: ProtectedBackend;
const open: Array<{ close(): Promise<void> }> = [];
/** Every gateway of this file, for the leak check at the end. */
const gateways: TestGateway[] = [];
const outcomes: Outcome[] = [];

beforeAll(async () => {
  idp = await AuthorizationServer.start();
  backend = await ProtectedBackend.start(idp);
  process.env['OAUTH_E2E_FAIL_SECRET'] = CLIENT.secret;
  process.env['OAUTH_E2E_FAIL_PASSWORD'] = USERS['alice']!;
});

afterEach(async () => {
  idp.mode = 'ok';
  for (const x of open.splice(0)) await x.close();
});

afterAll(async () => {
  await backend?.close();
  await idp?.close();
});

function setup(extra = '', grant = 'clientCredentials'): { gw: TestGateway; registry: Registry } {
  const registry = openMemoryRegistry();
  const user = grant === 'passwordCredentials' ? '<username>alice</username><password>${env:OAUTH_E2E_FAIL_PASSWORD}</password>' : '';
  const oauth = `<${grant}><clientId>${CLIENT.id}</clientId><clientSecret>\${env:OAUTH_E2E_FAIL_SECRET}</clientSecret><tokenUrl>${idp.tokenUrl}</tokenUrl>${user}${extra}</${grant}>`;
  const gw = new TestGateway(oauthSequence({ backendUrl: backend.url, oauth }), registry);
  open.push(gw, registry);
  gateways.push(gw);
  return { gw, registry };
}

async function send(gw: TestGateway): Promise<Outcome> {
  const outcome = await gw.send();
  outcomes.push(outcome);
  return outcome;
}

const NO_BACKOFF = '<failureBackoffMin>0</failureBackoffMin><failureBackoffMax>0</failureBackoffMax>';

describe('the token server fails (R4, R5)', () => {
  test.each<[TokenEndpointMode, RegExp, string]>([
    ['500', /the token server answered HTTP 500 \(server_error\)$/, NO_BACKOFF],
    ['garbage', /the response is not a JSON object$/, NO_BACKOFF],
    ['hang', /no answer within 300 ms$/, `${NO_BACKOFF}<socketTimeout>300</socketTimeout>`],
  ])('%s: the message faults with 303003, nothing is cached, and the next message recovers (no endpoint suspension)', async (mode, reason, extra) => {
    const { gw, registry } = setup(extra);
    idp.mode = mode;
    const requests = { tokens: idp.tokenRequests, backend: backend.requests };
    const started = Date.now();
    const failed = await send(gw);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failed.error?.code).toBe(303003);
    expect(failed.error?.message).toMatch(new RegExp(`^OAuth2 token request to ${idp.tokenUrl} failed: ${reason.source}`));
    expect(failed.mc.fault!.httpStatus).toBe(502);
    expect(failed.mc.properties.get('ERROR_MESSAGE')).toBe(failed.error?.message);
    // Fail closed: the backend never saw the message.
    expect(backend.requests - requests.backend).toBe(0);
    expect(tokenMetadata(registry)).toEqual([]);
    expect(registry.exists(`gov:${TOKENS_PATH}`)).toBe(false);

    idp.mode = 'ok';
    const recovered = await send(gw);
    expect(recovered.error).toBeUndefined();
    expect(recovered.status).toBe(200);
    expect(idp.tokenRequests - requests.tokens).toBe(2);
    expect(tokenMetadata(registry)).toHaveLength(1);
  });

  test('after a failure the server is left alone for the back-off, then asked again', async () => {
    const { gw } = setup('<failureBackoffMin>400</failureBackoffMin><failureBackoffMax>500</failureBackoffMax><failureHttpStatus>503</failureHttpStatus>');
    idp.mode = '500';
    const before = idp.tokenRequests;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => send(gw)));
    expect(outcomes.every((o) => o.error?.code === 303003)).toBe(true);
    expect(outcomes[0]!.mc.fault!.httpStatus).toBe(503);
    expect(idp.tokenRequests - before).toBe(1);
    idp.mode = 'ok';
    const during = await send(gw);
    expect(during.error?.code).toBe(303003);
    expect(during.error?.message).toMatch(/answered HTTP 500 \(server_error\) \(not retried for a short while\)$/);
    expect(idp.tokenRequests - before).toBe(1);
    await sleep(550);
    expect((await send(gw)).status).toBe(200);
    expect(idp.tokenRequests - before).toBe(2);
  });

  test('an unreachable token server is 303003 too', async () => {
    const { gw } = setup(NO_BACKOFF);
    const closed = await AuthorizationServer.start();
    const url = closed.tokenUrl;
    await closed.close();
    const oauth = `<clientCredentials><clientId>c</clientId><clientSecret>\${env:OAUTH_E2E_FAIL_SECRET}</clientSecret><tokenUrl>${url}</tokenUrl>${NO_BACKOFF}</clientCredentials>`;
    const down = new TestGateway(oauthSequence({ backendUrl: backend.url, oauth }), undefined);
    open.push(down);
    gateways.push(down);
    const outcome = await send(down);
    expect(outcome.error?.code).toBe(303003);
    expect(outcome.error?.message).toBe(`OAuth2 token request to ${url} failed: cannot connect (ECONNREFUSED)`);
    expect((await send(gw)).status).toBe(200);
  });
});

describe('secrets stay out of logs and errors (R9)', () => {
  test('no log line, error message or fault property carries a secret, a token or a token response', async () => {
    // One more of each kind of event, with a refused token in between, so there is something to leak.
    const { gw } = setup(NO_BACKOFF, 'passwordCredentials');
    expect((await send(gw)).status).toBe(200);
    backend.revoked.add(backend.authorizations.at(-1)!.replace('Bearer ', ''));
    expect((await send(gw)).status).toBe(200);
    idp.mode = 'garbage';
    const { gw: failing } = setup(NO_BACKOFF);
    expect((await send(failing)).error?.code).toBe(303003);

    const tokens = [...new Set(backend.authorizations.map((a) => a.replace('Bearer ', '')))].filter((t) => t.length > 20);
    expect(tokens.length).toBeGreaterThan(2);
    const secrets = [CLIENT.secret, USERS['alice']!, encodeURIComponent(CLIENT.secret), Buffer.from(CLIENT.secret).toString('base64'), ...tokens];
    const responseBodies = ['Welcome to nginx', 'the database is down'];
    const texts = [
      ...gateways.flatMap((g) => g.logger.lines.map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`)),
      ...outcomes.flatMap((o) => {
        const fault = o.mc.fault;
        const causes: string[] = [];
        for (let e: unknown = fault; e instanceof Error; e = e.cause) causes.push(e.message, String(e.stack));
        return [...causes, String(o.mc.properties.get('ERROR_MESSAGE') ?? ''), String(o.mc.properties.get('ERROR_DETAIL') ?? '')];
      }),
    ];
    expect(texts.some((t) => t.includes('OAuth2'))).toBe(true);
    expect(gateways.some((g) => g.logger.lines.some((l) => l.message.includes('OAuth2 token for client')))).toBe(true);
    for (const text of texts) {
      for (const secret of [...secrets, ...responseBodies]) expect(text, 'a log line or error message').not.toContain(secret);
    }
  });
});
