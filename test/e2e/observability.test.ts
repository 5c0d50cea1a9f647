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
