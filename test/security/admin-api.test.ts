import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic, call, configFolder, InProcessGateway, SYNAPSE_NS } from '../e2e/support/harness.js';
import { httpRequest, rawRequest } from './support/raw-http.js';

/**
 * The admin API against hostile requests (docs/security.md): paths that would be reinterpreted, keys that would
 * leave their scope, and secrets kept in the registry, which its answers mask. Credentials, flow validation and
 * the routes themselves are test/e2e/admin-api.test.ts; registry key parsing, test/registry/key.test.ts.
 */

const PASSWORD = 'admin-security-7d1e';
const AUTH = basic('admin', PASSWORD);

let folder: ReturnType<typeof configFolder>;
let gw: InProcessGateway;
let adminPort: number;

beforeAll(async () => {
  folder = configFolder({
    'gateway.yaml': `http: { host: 127.0.0.1 }\nadmin: { password: ${PASSWORD} }\n`,
    'apis/ping.xml': `<api ${SYNAPSE_NS} name="PingAPI" context="/ping"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>`,
  });
  gw = await InProcessGateway.start(folder.dir);
  adminPort = Number(new URL(gw.adminUrl).port);
  const registry = gw.gateway.registry;
  await registry.put('gov:/creds/PingAPI/access_Token', Buffer.from('tok-abc-123'), 'text/plain', { generatedAt: '1', refresh_token: 'rt-456' });
  await registry.put('gov:/creds/PingAPI/generated_Time', Buffer.from('1700000000000'));
  await registry.put('gov:/mediate/oauth2/tokens/k1', Buffer.from('cached-token-789'), 'text/plain', { tokenUrl: 'http://idp.test/token', clientId: 'c' });
  await registry.put('local:/inside', Buffer.from('local value'));
});

afterAll(async () => {
  await gw?.close();
  folder?.remove();
});

const admin = (method: string, target: string, body = '', withAuth = true) =>
  rawRequest(adminPort, httpRequest(method, target, withAuth ? [['Authorization', AUTH], ['Content-Type', 'text/plain']] : [['Content-Type', 'text/plain']], body), { closeWaitMs: 0 });

describe('paths and keys that would escape', () => {
  test.each([
    ['GET', '/registry/gov:/creds/../mediate/oauth2/tokens/k1'],
    ['GET', '/registry/gov:/creds/%2e%2e/%2e%2e/x'],
    ['PUT', '/registry/gov:/a/../../local:/inside'],
    ['GET', '/registry/../apis'],
    ['GET', '/apis/PingAPI/flows/../../registry/local:/inside'],
    ['GET', '/registry/./gov:/creds'],
  ])('%s %s: a path with dot segments is refused, not reinterpreted (400)', async (method, target) => {
    const r = await admin(method, target, method === 'PUT' ? 'x' : '');
    expect(r.status).toBe(400);
    expect(r.code).toBe('400');
  });

  test.each([
    ['/registry/gov:%2F..%2Flocal:%2Finside', /"\.\." is not allowed/],
    ['/registry/gov:/a/..%2F..%2Fx', /"\.\." is not allowed/],
    ['/registry/local:%2F..%2F..%2Fetc%2Fpasswd', /"\.\." is not allowed/],
    ['/registry/gov:/a%00b', /control character/],
    ['/registry/file:/etc/passwd', /unknown prefix "file:"/],
    ['/registry/gov:/a%zz', /percent-encoding/],
  ])('PUT %s: a key that would leave its scope is refused (400) and nothing is written', async (target, reason) => {
    const r = await admin('PUT', target, 'written?');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).description).toMatch(reason);
    expect(gw.gateway.registry.readText('local:/inside')).toBe('local value');
  });

  test('without credentials nothing is reached, whatever the path', async () => {
    for (const target of ['/registry/gov:/creds/PingAPI/access_Token', '/registry/gov:%2F..%2Fx', '/tokens', '/apis']) {
      const r = await admin('GET', target, '', false);
      expect([400, 401]).toContain(r.status);
      expect(r.body).not.toContain('tok-abc-123');
    }
  });

  test('a flow upload with a DOCTYPE (an entity trick in configuration) is refused and stores nothing', async () => {
    const flow = `<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><sequence ${SYNAPSE_NS} name="in"><log level="custom"><property name="p" value="&x;"/></log></sequence>`;
    const r = await call(`${gw.adminUrl}/apis/PingAPI/flows/in`, { method: 'PUT', headers: { authorization: AUTH, 'content-type': 'application/xml' }, body: flow });
    expect(r.status).toBe(400);
    expect(r.json().errors.join('\n')).toMatch(/DOCTYPE is not allowed/);
    expect(r.body).not.toContain('root:');
    expect((await call(`${gw.adminUrl}/apis/PingAPI/flows/in`, { headers: { authorization: AUTH } })).status).toBe(404);
  });
});

describe('secrets in the registry are masked in the admin API’s answers', () => {
  test('a resource whose name is a secret’s: content *** and X-Registry-Masked, properties redacted', async () => {
    const r = await call(`${gw.adminUrl}/registry/gov:/creds/PingAPI/access_Token`, { headers: { authorization: AUTH } });
    expect(r.status).toBe(200);
    expect(r.body).toBe('***');
    expect(r.headers['x-registry-masked']).toBe('true');
    expect(JSON.parse(r.headers['x-registry-properties'] as string)).toEqual({ generatedAt: '1', refresh_token: '***' });
  });

  test('the OAuth2 token cache: masked whatever the key’s last segment', async () => {
    const r = await call(`${gw.adminUrl}/registry/gov:/mediate/oauth2/tokens/k1`, { headers: { authorization: AUTH } });
    expect(r.body).toBe('***');
    expect(JSON.parse(r.headers['x-registry-properties'] as string)).toEqual({ tokenUrl: 'http://idp.test/token', clientId: 'c' });
  });

  test('other resources, and listings, are as stored', async () => {
    const r = await call(`${gw.adminUrl}/registry/gov:/creds/PingAPI/generated_Time`, { headers: { authorization: AUTH } });
    expect(r.body).toBe('1700000000000');
    expect(r.headers['x-registry-masked']).toBeUndefined();
    const list = await call(`${gw.adminUrl}/registry/gov:/creds/PingAPI?list`, { headers: { authorization: AUTH } });
    expect(list.json<Array<{ path: string }>>().map((e) => e.path)).toEqual(['/creds/PingAPI/access_Token', '/creds/PingAPI/generated_Time']);
    expect(list.body).not.toContain('tok-abc-123');
  });

  test('mediation still reads the secret: masking is the admin API’s answer only', () => {
    expect(gw.gateway.registry.readText('gov:/creds/PingAPI/access_Token')).toBe('tok-abc-123');
  });
});
