import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mediateAsync } from '../support/cli.js';
import { Backend, basic, call, configFolder, InProcessGateway, ServeProcess, SYNAPSE_NS } from './support/harness.js';

/**
 * The admin API (docs/admin-api.md) of a `mediate serve` child process whose admin password comes from the
 * environment through ${env:NAME} in gateway.yaml.
 */

const PASSWORD_VARIABLE = 'MEDIATE_TEST_ADMIN_SECRET';
const PASSWORD = 's3cret with spaces & symbols:!';
const AUTH = { authorization: basic('ops', PASSWORD) };

const GOOD_FLOW = `<sequence ${SYNAPSE_NS} name="ping-in">\n  <header name="X-Admin-Flow" scope="transport" value="uploaded"/>\n</sequence>\n`;
const GOOD_YAML_FLOW = 'sequence:\n  name: ping-yaml\n  children:\n    - header: { name: X-Admin-Flow, scope: transport, value: yaml }\n';
const BAD_FLOW = `<sequence ${SYNAPSE_NS} name="ping-in">\n  <header name="X-Admin-Flow" scope="transport" value="broken"/>\n  <frobnicate/>\n</sequence>\n`;

describe('admin API', () => {
  let backend: Backend;
  let folder: ReturnType<typeof configFolder>;
  let gateway: ServeProcess;
  let admin: string;

  const apiCall = async () => {
    const r = await call(`${gateway.url}/ping/1.0/hello`);
    expect(r.status).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    backend = await Backend.start((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ flow: req.headers['x-admin-flow'] ?? null }));
    });
    folder = configFolder({
      'gateway.yaml': `http: { host: 127.0.0.1 }\nadmin:\n  user: ops\n  password: \${env:${PASSWORD_VARIABLE}}\n`,
      'apis/ping.yaml': `name: PingAPI\ncontext: /ping\nversion: "1.0"\nendpoint: { url: "${backend.url}" }\nresources:\n  - { path: /*, methods: [GET] }\n`,
    });
    gateway = await ServeProcess.start(folder.dir, { env: { [PASSWORD_VARIABLE]: PASSWORD } });
    admin = gateway.adminUrl;
  });

  afterAll(async () => {
    if (gateway) expect((await gateway.stop()).code).toBe(0);
    await backend?.close();
    folder?.remove();
  });

  test('the admin API listens on loopback', () => {
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('GET /health needs no credentials', async () => {
    const r = await call(`${admin}/health`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json()).toEqual({ status: 'ok', apis: 1, activeRequests: 0, registry: { status: 'ok' } });
  });

  describe('every other route refuses missing or wrong credentials with 401 and WWW-Authenticate', () => {
    const routes: Array<[string, string]> = [
      ['GET', '/apis'],
      ['GET', '/apis/PingAPI/flows/in'],
      ['PUT', '/apis/PingAPI/flows/in'],
      ['DELETE', '/apis/PingAPI/flows/in'],
      ['GET', '/registry/gov:/demo/greeting'],
      ['GET', '/registry/gov:/demo?list'],
      ['PUT', '/registry/gov:/demo/greeting'],
      ['DELETE', '/registry/gov:/demo/greeting'],
      ['PUT', '/apis/PingAPI/trace'],
      ['GET', '/tokens'],
      ['DELETE', '/tokens'],
      ['POST', '/health'],
      ['GET', '/no/such/route'],
    ];
    const credentials: Array<[string, Record<string, string>]> = [
      ['none', {}],
      ['a wrong password', { authorization: basic('ops', 'wrong') }],
      ['a wrong user', { authorization: basic('admin', PASSWORD) }],
      ['another scheme', { authorization: `Bearer ${PASSWORD}` }],
      ['garbage', { authorization: 'Basic %%%' }],
    ];
    test.each(routes)('%s %s', async (method, path) => {
      for (const [what, headers] of credentials) {
        const r = await call(`${admin}${path}`, { method, headers, body: method === 'PUT' ? GOOD_FLOW : undefined });
        expect(r.status, `${what}`).toBe(401);
        expect(r.headers['www-authenticate'], what).toBe('Basic realm="Mediate admin"');
        expect(r.json().code, what).toBe('900901');
      }
    });

    test('nothing was changed by the refused writes', async () => {
      expect(await apiCall()).toEqual({ flow: null });
      expect((await call(`${admin}/registry/gov:/demo/greeting`, { headers: AUTH })).status).toBe(404);
    });
  });

  test('GET /apis lists the APIs with their resources and which flows are uploaded', async () => {
    const r = await call(`${admin}/apis`, { headers: AUTH });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([
      { name: 'PingAPI', version: '1.0', context: '/ping/1.0', resources: [{ methods: ['GET'], path: '/*' }], flows: { in: false, out: false, fault: false } },
    ]);
  });

  describe('flows', () => {
    const flowUrl = (flow = 'in', api = 'PingAPI') => `${admin}/apis/${api}/flows/${flow}`;

    test('GET before any upload is 404', async () => {
      const r = await call(flowUrl(), { headers: AUTH });
      expect(r.status).toBe(404);
      expect(r.json().code).toBe('404');
    });

    test('PUT of an invalid sequence is 400 with the errors, and stores nothing', async () => {
      const r = await call(flowUrl(), { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/xml' }, body: BAD_FLOW });
      expect(r.status).toBe(400);
      const body = r.json();
      expect(body.code).toBe('400');
      expect(body.errors).toEqual([expect.stringMatching(/^PingAPI--in\.xml:3:3: .*frobnicate/)]);
      expect((await call(flowUrl(), { headers: AUTH })).status).toBe(404);
      expect(await apiCall()).toEqual({ flow: null });
    });

    test('PUT of malformed XML is 400 too', async () => {
      const r = await call(flowUrl(), { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/xml' }, body: '<sequence' });
      expect(r.status).toBe(400);
      expect(r.json().errors[0]).toMatch(/^PingAPI--in\.xml:\d+:\d+: /);
    });

    test('PUT stores a valid sequence; the next request runs it; GET returns it', async () => {
      const put = await call(flowUrl(), { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/xml' }, body: GOOD_FLOW });
      expect(put.status).toBe(200);
      expect(put.json()).toEqual({ stored: 'gov:/apimgt/applicationdata/provider/admin/PingAPI/1.0/in' });
      expect(await apiCall()).toEqual({ flow: 'uploaded' });
      const get = await call(flowUrl(), { headers: AUTH });
      expect(get.status).toBe(200);
      expect(get.headers['content-type']).toBe('application/xml');
      expect(get.body).toBe(GOOD_FLOW);
      const apis = await call(`${admin}/apis`, { headers: AUTH });
      expect(apis.json()[0].flows).toEqual({ in: true, out: false, fault: false });
    });

    test('a YAML sequence is accepted with a YAML content type', async () => {
      const put = await call(flowUrl(), { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/yaml' }, body: GOOD_YAML_FLOW });
      expect(put.status).toBe(200);
      expect(await apiCall()).toEqual({ flow: 'yaml' });
      expect((await call(flowUrl(), { headers: AUTH })).headers['content-type']).toBe('application/yaml');
    });

    test('a refused PUT keeps the flow that was there', async () => {
      const r = await call(flowUrl(), { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/xml' }, body: BAD_FLOW });
      expect(r.status).toBe(400);
      expect(await apiCall()).toEqual({ flow: 'yaml' });
    });

    test('DELETE removes the upload; a second DELETE is 404', async () => {
      const del = await call(flowUrl(), { method: 'DELETE', headers: AUTH });
      expect(del.status).toBe(200);
      expect(del.json()).toEqual({ removed: 'gov:/apimgt/applicationdata/provider/admin/PingAPI/1.0/in' });
      expect(await apiCall()).toEqual({ flow: null });
      expect((await call(flowUrl(), { method: 'DELETE', headers: AUTH })).status).toBe(404);
    });

    test('an unknown API is 404, an unknown flow 400, another method 405', async () => {
      expect((await call(flowUrl('in', 'NoSuchAPI'), { headers: AUTH })).status).toBe(404);
      expect((await call(flowUrl('sideways'), { headers: AUTH })).status).toBe(400);
      expect((await call(flowUrl(), { method: 'POST', headers: AUTH, body: GOOD_FLOW })).status).toBe(405);
    });

    test('the API can be named by its runtime name too', async () => {
      expect((await call(flowUrl('in', encodeURIComponent('PingAPI:v1.0')), { headers: AUTH })).status).toBe(404);
      expect((await call(flowUrl('in', 'PingAPI:v1.0'), { headers: AUTH })).json().description).toMatch(/no uploaded in flow/);
    });
  });

  describe('registry', () => {
    const key = (k: string) => `${admin}/registry/${k}`;

    test('PUT then GET a resource, with its media type', async () => {
      const put = await call(key('gov:/demo/greeting'), { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{"hello":"world"}' });
      expect(put.status).toBe(200);
      expect(put.json()).toEqual({ stored: 'gov:/demo/greeting' });
      const get = await call(key('gov:/demo/greeting'), { headers: AUTH });
      expect(get.status).toBe(200);
      expect(get.headers['content-type']).toBe('application/json');
      expect(get.headers['x-registry-properties']).toBe('{}');
      expect(get.body).toBe('{"hello":"world"}');
    });

    test('PUT without a content type stores text/plain', async () => {
      await call(key('local:/demo/plain'), { method: 'PUT', headers: AUTH, body: 'just text' });
      const get = await call(key('local:/demo/plain'), { headers: AUTH });
      expect(get.headers['content-type']).toBe('text/plain');
      expect(get.body).toBe('just text');
    });

    test('?list lists a collection', async () => {
      await call(key('gov:/demo/other'), { method: 'PUT', headers: AUTH, body: 'x' });
      const r = await call(`${key('gov:/demo')}?list`, { headers: AUTH });
      expect(r.status).toBe(200);
      const list = r.json() as Array<{ path: string; collection: boolean; mediaType: string; modified: number }>;
      expect(list.map((e) => [e.path, e.collection, e.mediaType])).toEqual([
        ['/demo/greeting', false, 'application/json'],
        ['/demo/other', false, 'text/plain'],
      ]);
      expect(typeof list[0]!.modified).toBe('number');
    });

    test('a resource written through the admin API is what mediation reads', async () => {
      // The CLI reads the same gateway.yaml, so it needs the variable too.
      const r = await mediateAsync(['registry', 'get', 'gov:/demo/greeting', '--config', folder.dir], { env: { [PASSWORD_VARIABLE]: PASSWORD } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('{"hello":"world"}');
    });

    test('DELETE removes it; then GET and DELETE are 404', async () => {
      const del = await call(key('gov:/demo/other'), { method: 'DELETE', headers: AUTH });
      expect(del.status).toBe(200);
      expect(del.json()).toEqual({ removed: 'gov:/demo/other' });
      expect((await call(key('gov:/demo/other'), { headers: AUTH })).status).toBe(404);
      expect((await call(key('gov:/demo/other'), { method: 'DELETE', headers: AUTH })).status).toBe(404);
    });

    test('a bad key is 400', async () => {
      const r = await call(key('nowhere:/x'), { headers: AUTH });
      expect(r.status).toBe(400);
      expect(r.json().code).toBe('400');
    });
  });
});

describe('admin password from the environment', () => {
  test('serve refuses to start when the ${env:NAME} variable is not set, naming it', async () => {
    const folder = configFolder({ 'gateway.yaml': 'admin:\n  password: ${env:MEDIATE_TEST_UNSET_VARIABLE}\n' });
    try {
      const r = await mediateAsync(['serve', '--config', folder.dir, '--port', '0', '--admin-port', '0', '--workers', '1'], { env: { MEDIATE_TEST_UNSET_VARIABLE: undefined } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/gateway\.yaml:2:\d+: admin\.password: the environment variable MEDIATE_TEST_UNSET_VARIABLE is not set/);
    } finally {
      folder.remove();
    }
  });

  test('with no admin password at all, every protected route is 401 and says why', async () => {
    const folder = configFolder({ 'gateway.yaml': 'http: { host: 127.0.0.1 }\n' });
    const gw = await InProcessGateway.start(folder.dir);
    try {
      expect((await call(`${gw.adminUrl}/health`)).status).toBe(200);
      const r = await call(`${gw.adminUrl}/apis`, { headers: { authorization: basic('admin', '') } });
      expect(r.status).toBe(401);
      expect(r.json().description).toMatch(/no password configured/);
    } finally {
      await gw.close();
      folder.remove();
    }
  });
});
