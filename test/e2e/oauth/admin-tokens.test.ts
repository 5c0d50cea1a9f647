import { afterAll, beforeAll, expect, test } from 'vitest';
import { basic, call, configFolder, InProcessGateway } from '../support/harness.js';
import { AuthorizationServer, CLIENT } from './support/authorization-server.js';
import { ProtectedBackend } from './support/protected-backend.js';

/** The admin API's view of OAuth2 tokens: metadata without the token, and a purge the next request feels. */
let idp: AuthorizationServer;
let backend: ProtectedBackend;
let gateway: InProcessGateway;
const AUTH = { authorization: basic('admin', 'pw') };

beforeAll(async () => {
  idp = await AuthorizationServer.start();
  backend = await ProtectedBackend.start(idp);
  const folder = configFolder({
    'gateway.yaml': 'admin: { user: admin, password: pw }\nregistry:\n  governance: { path: data/gov.db }\n  config: { path: data/conf.db }\n  local: { path: data/local.db }\n',
    'apis/protected.yaml': [
      'name: Protected',
      'context: /protected',
      'version: "1"',
      'endpoint:',
      `  url: ${backend.url}`,
      '  authentication:',
      '    oauth:',
      '      clientCredentials:',
      `        clientId: ${CLIENT.id}`,
      `        clientSecret: ${CLIENT.secret}`,
      `        tokenUrl: ${idp.tokenUrl}`,
      'resources:',
      '  - { path: /*, methods: [GET] }',
      '',
    ].join('\n'),
  });
  gateway = await InProcessGateway.start(folder.dir);
});

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
  await idp?.close();
});

test('GET /tokens shows when a token was made and expires, never the token; DELETE /tokens purges it', async () => {
  const before = idp.tokenRequests;
  expect((await call(`${gateway.url}/protected/1/menu`)).status).toBe(200);
  expect(idp.tokenRequests).toBe(before + 1);
  expect((await call(`${gateway.url}/protected/1/menu`)).status).toBe(200);
  expect(idp.tokenRequests).toBe(before + 1);

  const listing = await call(`${gateway.adminUrl}/tokens`, { headers: AUTH });
  expect(listing.status).toBe(200);
  const tokens = listing.json() as Array<Record<string, unknown>>;
  expect(tokens).toHaveLength(1);
  expect(Object.keys(tokens[0]!)).toEqual(expect.arrayContaining(['generatedAt', 'expiresAt']));
  const token = /^Bearer (\S+)$/.exec(backend.authorizations[backend.authorizations.length - 1]!)![1]!;
  expect(listing.body).not.toContain(token);
  expect(listing.body).not.toContain(CLIENT.secret);

  expect((await call(`${gateway.adminUrl}/tokens`, { method: 'DELETE' })).status).toBe(401);
  expect((await call(`${gateway.adminUrl}/tokens`, { method: 'DELETE', headers: AUTH })).status).toBe(200);
  expect((await call(`${gateway.url}/protected/1/menu`)).status).toBe(200);
  expect(idp.tokenRequests).toBe(before + 2);
});
