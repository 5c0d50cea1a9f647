import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { tokenMetadata } from '../../../engine/endpoint/oauth/purge.js';
import { openMemoryRegistry } from '../../../registry/open.js';
import type { Registry } from '../../../registry/registry.js';
import { AuthorizationServer, AWKWARD_CLIENT, CLIENT, POST_CLIENT } from './support/authorization-server.js';
import { oauthSequence, TestGateway } from './support/gateway.js';
import { ProtectedBackend } from './support/protected-backend.js';

let idp: AuthorizationServer;
let backend: ProtectedBackend;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  idp = await AuthorizationServer.start();
  backend = await ProtectedBackend.start(idp);
  process.env['OAUTH_E2E_CC_SECRET'] = CLIENT.secret;
  process.env['OAUTH_E2E_AWKWARD_SECRET'] = AWKWARD_CLIENT.secret;
  process.env['OAUTH_E2E_POST_SECRET'] = POST_CLIENT.secret;
});

afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
  backend.refuseAll = false;
  backend.revoked.clear();
  idp.ttlSeconds = 300;
});

afterAll(async () => {
  await backend?.close();
  await idp?.close();
});

function registry(): Registry {
  const r = openMemoryRegistry();
  open.push(r);
  return r;
}

function gateway(oauth: string, options: { method?: string; registry?: Registry } = {}): TestGateway {
  const gw = new TestGateway(oauthSequence({ backendUrl: backend.url, oauth, ...(options.method ? { method: options.method } : {}) }), options.registry ?? registry());
  open.push(gw);
  return gw;
}

const clientCredentials = (extra = '', client = { id: CLIENT.id, secretVar: 'OAUTH_E2E_CC_SECRET' }) =>
  `<clientCredentials><clientId>${client.id}</clientId><clientSecret>\${env:${client.secretVar}}</clientSecret><tokenUrl>${idp.tokenUrl}</tokenUrl>${extra}</clientCredentials>`;

/** The token the backend last saw. */
const lastToken = () => backend.authorizations.at(-1)!.replace(/^Bearer /, '');

describe('client_credentials against oidc-provider', () => {
  test('200 concurrent messages on a cold cache: exactly one token request, every message served', async () => {
    const gw = gateway(clientCredentials());
    const before = { tokens: idp.tokenRequests, accepted: backend.accepted };
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => gw.send()));
    expect(idp.tokenRequests - before.tokens).toBe(1);
    expect(outcomes.map((o) => o.error)).toEqual(Array(200).fill(undefined));
    expect(outcomes.map((o) => o.status)).toEqual(Array(200).fill(200));
    expect(backend.accepted - before.accepted).toBe(200);
    expect(JSON.parse(outcomes[0]!.body)).toMatchObject({ ok: true, client_id: CLIENT.id });
    // Later messages use the cached token.
    await gw.send();
    expect(idp.tokenRequests - before.tokens).toBe(1);
  });

  test('client_secret_basic: an id and secret with ":", "%" and spaces reach the server as written', async () => {
    const gw = gateway(clientCredentials('', { id: AWKWARD_CLIENT.id, secretVar: 'OAUTH_E2E_AWKWARD_SECRET' }));
    const outcome = await gw.send();
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(200);
    expect(idp.issued.at(-1)).toEqual({ clientId: AWKWARD_CLIENT.id, grant: 'client_credentials', basic: true, secretInForm: false });
    expect(JSON.parse(outcome.body).client_id).toBe(AWKWARD_CLIENT.id);
    // The control: the same pair Base64-encoded without form-encoding is refused by the server.
    const naive = await fetch(idp.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${AWKWARD_CLIENT.id}:${AWKWARD_CLIENT.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(naive.ok).toBe(false);
  });

  test('authMode payload (client_secret_post): id and secret in the form, no Authorization header', async () => {
    const post = { id: POST_CLIENT.id, secretVar: 'OAUTH_E2E_POST_SECRET' };
    const ok = await gateway(clientCredentials('<authMode>payload</authMode>', post)).send();
    expect(ok.error).toBeUndefined();
    expect(JSON.parse(ok.body).client_id).toBe(POST_CLIENT.id);
    expect(idp.issued.at(-1)).toEqual({ clientId: POST_CLIENT.id, grant: 'client_credentials', basic: false, secretInForm: true });
  });

  test('a client the server refuses: the fault is 303003 with the OAuth error code', async () => {
    const outcome = await gateway(clientCredentials('<failureBackoffMin>0</failureBackoffMin><failureBackoffMax>0</failureBackoffMax>', { id: 'unknown-client', secretVar: 'OAUTH_E2E_CC_SECRET' })).send();
    expect(outcome.error?.code).toBe(303003);
    expect(outcome.error?.message).toBe(`OAuth2 token request to ${idp.tokenUrl} failed: the token server answered HTTP 401 (invalid_client)`);
  });

  test('a token expiring under steady load is renewed about once per usable lifetime, with no failed request and no expired token sent', async () => {
    idp.ttlSeconds = 2; // used for 1 s: half the lifetime, the floor for short tokens
    const gw = gateway(clientCredentials());
    const before = { tokens: idp.tokenRequests, expired: backend.refusals.expired, refused: backend.requests - backend.accepted };
    const started = Date.now();
    const durationMs = 4500;
    const outcomes: Array<Awaited<ReturnType<TestGateway['send']>>> = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() - started < durationMs) outcomes.push(await gw.send());
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const tokenRequests = idp.tokenRequests - before.tokens;
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.error !== undefined || o.status !== 200)).toEqual([]);
    expect(backend.refusals.expired - before.expired).toBe(0);
    expect(backend.requests - backend.accepted - before.refused).toBe(0);
    // Renewed every ~1 s (half of 2 s, less this process's jitter): at least once per lifetime, at most once per half.
    expect(tokenRequests).toBeGreaterThanOrEqual(Math.floor(elapsed / 2));
    expect(tokenRequests).toBeLessThanOrEqual(Math.ceil(elapsed / (1 * 0.95)) + 1);
  });
});

describe('401 from the backend (R6)', () => {
  test('the refused token is purged and the request resent once with a new one; a second 401 passes through', async () => {
    const reg = registry();
    const gw = gateway(clientCredentials(), { registry: reg });
    expect((await gw.send()).status).toBe(200);
    const first = lastToken();
    backend.revoked.add(first);

    let before = { tokens: idp.tokenRequests, requests: backend.requests };
    const retried = await gw.send();
    expect(retried.error).toBeUndefined();
    expect(retried.status).toBe(200);
    expect(idp.tokenRequests - before.tokens).toBe(1);
    expect(backend.requests - before.requests).toBe(2);
    const second = lastToken();
    expect(second).not.toBe(first);
    expect(backend.authorizations.slice(-2)).toEqual([`Bearer ${first}`, `Bearer ${second}`]);
    expect(reg.readText(`gov:/mediate/oauth2/tokens/${tokenMetadata(reg)[0]!.cacheKey}`)).toBe(second);

    backend.refuseAll = true;
    before = { tokens: idp.tokenRequests, requests: backend.requests };
    const passedThrough = await gw.send();
    expect(passedThrough.error).toBeUndefined();
    expect(passedThrough.status).toBe(401);
    expect(idp.tokenRequests - before.tokens).toBe(1);
    expect(backend.requests - before.requests).toBe(2);
  });

  test('concurrent 401s for one token cause one token request', async () => {
    const gw = gateway(clientCredentials());
    await gw.send();
    backend.revoked.add(lastToken());
    const before = idp.tokenRequests;
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => gw.send()));
    expect(outcomes.map((o) => o.status)).toEqual(Array(30).fill(200));
    expect(idp.tokenRequests - before).toBe(1);
  });

  test('a POST is not resent unless retryNonIdempotent, but its token is purged either way', async () => {
    const gw = gateway(clientCredentials(), { method: 'post' });
    await gw.send();
    backend.revoked.add(lastToken());
    let before = { tokens: idp.tokenRequests, requests: backend.requests };
    expect((await gw.send()).status).toBe(401);
    expect(backend.requests - before.requests).toBe(1);
    expect(idp.tokenRequests - before.tokens).toBe(0);
    // The next message does not reuse the refused token.
    before = { tokens: idp.tokenRequests, requests: backend.requests };
    expect((await gw.send()).status).toBe(200);
    expect(idp.tokenRequests - before.tokens).toBe(1);

    const retrying = gateway(clientCredentials('<retryNonIdempotent>true</retryNonIdempotent>'), { method: 'post' });
    await retrying.send();
    backend.revoked.add(lastToken());
    before = { tokens: idp.tokenRequests, requests: backend.requests };
    expect((await retrying.send()).status).toBe(200);
    expect(backend.requests - before.requests).toBe(2);
    expect(idp.tokenRequests - before.tokens).toBe(1);
  });
});
