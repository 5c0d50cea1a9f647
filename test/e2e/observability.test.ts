import { afterAll, beforeAll, expect, test } from 'vitest';
import { Backend, call, configFolder, eventually, InProcessGateway } from './support/harness.js';

/** Access log lines, request ids and Prometheus metrics after a known series of requests. */
let backend: Backend;
let gateway: InProcessGateway;
const SECRET = 'tok-0bs3rv4b1l1ty';

beforeAll(async () => {
  backend = await Backend.start();
  const folder = configFolder({
    'gateway.yaml': 'admin: { user: admin, password: pw }\n',
    'apis/shop.yaml': `name: Shop\ncontext: /shop\nversion: "1"\nendpoint: { url: "${backend.url}/base" }\nresources:\n  - { path: /items, methods: [GET] }\n`,
    'apis/traced.yaml': `name: Traced\ncontext: /traced\nversion: "1"\nendpoint: { url: "${backend.url}/base" }\nresources:\n  - { path: /*, methods: [GET] }\nflows: { in: tag }\n`,
    'sequences/tag.xml': '<sequence xmlns="http://ws.apache.org/ns/synapse" name="tag"><header name="X-Tag" scope="transport" value="t"/></sequence>',
  });
  gateway = await InProcessGateway.start(folder.dir);
});

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

test('one access log line per request with its fields, a request id carried to the backend, metrics that count them', async () => {
  for (let i = 0; i < 3; i++) expect((await call(`${gateway.url}/shop/1/items`)).status).toBe(200);
  const traced = await call(`${gateway.url}/shop/1/items?access_token=${SECRET}`, { headers: { 'x-request-id': 'req-42', authorization: `Bearer ${SECRET}` } });
  expect(traced.status).toBe(200);
  expect(traced.headers['x-request-id']).toBe('req-42');
  expect(backend.requests[backend.requests.length - 1]!.headers['x-request-id']).toBe('req-42');
  expect((await call(`${gateway.url}/nowhere`)).status).toBe(404);

  const access = await eventually(() => {
    const lines = gateway.logger.lines.filter((l) => l.fields?.['type'] === 'access');
    return lines.length === 5 ? lines : undefined;
  });
  const first = access[0]!.fields!;
  expect(first).toMatchObject({ method: 'GET', path: '/shop/1/items', api: 'Shop:v1', resource: '/items', status: 200, completed: true });
  expect(typeof first['requestId']).toBe('string');
  expect(first['totalMs']).toBeGreaterThan(0);
  expect(first['backendMs']).toBeGreaterThan(0);
  expect(first['backendMs'] as number).toBeLessThanOrEqual(first['totalMs'] as number);
  expect(access[3]!.fields).toMatchObject({ requestId: 'req-42', path: '/shop/1/items?access_token=***' });
  expect(access[4]!.fields).toMatchObject({ api: '-', status: 404 });
  expect(JSON.stringify(gateway.logger.lines)).not.toContain(SECRET);

  const metrics = (await call(`${gateway.adminUrl}/metrics`)).body;
  expect(metrics).toContain('mediate_requests_total{api="Shop:v1",resource="/items",status="200"} 4');
  expect(metrics).toContain('mediate_requests_total{api="-",resource="-",status="404"} 1');
  expect(metrics).toMatch(/mediate_request_duration_seconds_count\{api="Shop:v1"\} 4/);
  expect(metrics).toMatch(/mediate_backend_duration_seconds_count\{api="Shop:v1"\} 4/);
  expect(metrics).toMatch(/mediate_registry_operations_total\{operation="read"\} \d+/);
  expect(metrics).not.toContain(SECRET);
});

test('PUT /apis/{api}/trace traces that many of the next requests, each as one log line of steps', async () => {
  const auth = { authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` };
  const order = await call(`${gateway.adminUrl}/apis/Traced/trace`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"requests":2,"seconds":60}' });
  expect(order.status).toBe(200);
  for (let i = 0; i < 3; i++) expect((await call(`${gateway.url}/traced/1/x`)).status).toBe(200);
  const traces = await eventually(() => {
    const lines = gateway.logger.lines.filter((l) => l.fields?.['type'] === 'trace');
    return lines.length >= 2 ? lines : undefined;
  });
  await new Promise((r) => setTimeout(r, 200));
  expect(gateway.logger.lines.filter((l) => l.fields?.['type'] === 'trace')).toHaveLength(2);
  const steps = traces[0]!.fields!['steps'] as Array<{ mediator: string; headers: { set: Record<string, string> } }>;
  expect(steps.map((s) => s.mediator)).toEqual(['header']);
  expect(steps[0]!.headers.set).toEqual({ 'X-Tag': 't' });
  expect((await call(`${gateway.adminUrl}/apis/Traced/trace`, { method: 'PUT', body: '{}' })).status).toBe(401);
});
