import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { purgeTokens } from '../../../engine/endpoint/oauth/purge.js';
import { openMemoryRegistry } from '../../../registry/open.js';
import type { Registry } from '../../../registry/registry.js';
import { AuthorizationServer, CLIENT, USERS } from './support/authorization-server.js';
import { oauthSequence, TestGateway } from './support/gateway.js';
import { ProtectedBackend } from './support/protected-backend.js';

let idp: AuthorizationServer;
let backend: ProtectedBackend;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  idp = await AuthorizationServer.start();
  backend = await ProtectedBackend.start(idp);
  process.env['OAUTH_E2E_GRANT_SECRET'] = CLIENT.secret;
  process.env['OAUTH_E2E_GRANT_PASSWORD'] = USERS['alice']!;
});

afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
  delete process.env['OAUTH_E2E_REFRESH_TOKEN'];
});

afterAll(async () => {
  await backend?.close();
  await idp?.close();
});

function gateway(grant: string, children: string): { gw: TestGateway; registry: Registry } {
  const registry = openMemoryRegistry();
  const oauth = `<${grant}><clientId>${CLIENT.id}</clientId><clientSecret>\${env:OAUTH_E2E_GRANT_SECRET}</clientSecret><tokenUrl>${idp.tokenUrl}</tokenUrl>${children}</${grant}>`;
  const gw = new TestGateway(oauthSequence({ backendUrl: backend.url, oauth }), registry);
  open.push(gw, registry);
  return { gw, registry };
}

describe('grants other than client_credentials', () => {
  test('passwordCredentials: the token is issued for the resource owner (a handler on oidc-provider, see the harness)', async () => {
    const { gw } = gateway('passwordCredentials', '<username>alice</username><password>${env:OAUTH_E2E_GRANT_PASSWORD}</password>');
    const before = idp.tokenRequests;
    const [a, b] = await Promise.all([gw.send(), gw.send()]);
    expect(a.error).toBeUndefined();
    expect(JSON.parse(a.body)).toMatchObject({ ok: true, sub: 'alice', client_id: CLIENT.id });
    expect(b.status).toBe(200);
    expect(idp.tokenRequests - before).toBe(1);
  });

  test('passwordCredentials with a wrong password: 303003 (invalid_grant), nothing sent to the backend', async () => {
    process.env['OAUTH_E2E_WRONG_PASSWORD'] = 'not-it';
    try {
      const { gw } = gateway('passwordCredentials', '<username>alice</username><password>${env:OAUTH_E2E_WRONG_PASSWORD}</password>');
      const before = backend.requests;
      const outcome = await gw.send();
      expect(outcome.error?.code).toBe(303003);
      expect(outcome.error?.message).toMatch(/answered HTTP 400 \(invalid_grant\)$/);
      expect(backend.requests).toBe(before);
    } finally {
      delete process.env['OAUTH_E2E_WRONG_PASSWORD'];
    }
  });

  test('authorizationCode: the refresh_token grant with the configured refresh token, reused after a purge', async () => {
    process.env['OAUTH_E2E_REFRESH_TOKEN'] = await idp.refreshTokenFor(CLIENT.id, 'alice');
    const { gw, registry } = gateway('authorizationCode', '<refreshToken>${env:OAUTH_E2E_REFRESH_TOKEN}</refreshToken>');
    const before = idp.tokenRequests;
    const first = await gw.send();
    expect(first.error).toBeUndefined();
    expect(JSON.parse(first.body)).toMatchObject({ ok: true, sub: 'alice' });
    expect(idp.issued.at(-1)).toMatchObject({ clientId: CLIENT.id, grant: 'refresh_token', basic: true });
    expect((await gw.send()).status).toBe(200);
    expect(idp.tokenRequests - before).toBe(1);
    await purgeTokens(registry);
    expect((await gw.send()).status).toBe(200);
    expect(idp.tokenRequests - before).toBe(2);
  });
});
