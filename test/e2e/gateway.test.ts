import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Backend, call, configFolder, deadPort, eventually, InProcessGateway, SYNAPSE_NS } from './support/harness.js';

/**
 * The gateway end to end: a config folder with a Synapse <api> (inline in/out/fault sequences) and an
 * API-manager style YAML API (flows naming sequences), served on an ephemeral loopback port in front of real
 * node:http backends.
 */

const FAULT_JSON = `<faultSequence>
      <payloadFactory media-type="json">
        <format>{"fault": {"code": $1, "message": "$2", "handledBy": "OrdersAPI"}}</format>
        <args><arg expression="$ctx:ERROR_CODE"/><arg expression="$ctx:ERROR_MESSAGE"/></args>
      </payloadFactory>
      <property name="HTTP_SC" scope="axis2" value="503"/>
      <respond/>
    </faultSequence>`;

function ordersApi(backend: string, dead: string): string {
  return `<api ${SYNAPSE_NS} name="OrdersAPI" context="/orders">
  <resource methods="GET POST PUT" uri-template="/items/{id}">
    <inSequence>
      <header name="X-Item-Id" scope="transport" expression="$ctx:uri.var.id"/>
      <header name="X-Lang" scope="transport" expression="$ctx:query.param.lang"/>
      <send><endpoint><address uri="${backend}/backend"/></endpoint></send>
    </inSequence>
    <outSequence>
      <header name="X-Mediated" scope="transport" value="out-sequence"/>
      <payloadFactory media-type="json">
        <format>{"via": "gateway", "backend": $1}</format>
        <args><arg evaluator="json" expression="$"/></args>
      </payloadFactory>
      <send/>
    </outSequence>
    ${FAULT_JSON}
  </resource>
  <resource methods="GET" uri-template="/broken">
    <inSequence><send><endpoint><address uri="${dead}/nothing"/></endpoint></send></inSequence>
    ${FAULT_JSON}
  </resource>
  <resource methods="GET" uri-template="/slow">
    <inSequence><send><endpoint><address uri="${backend}/backend"/></endpoint></send></inSequence>
  </resource>
</api>`;
}

function pizzaApi(backend: string): string {
  return `name: PizzaShackAPI
context: /pizzashack
version: 1.0.0
endpoint:
  url: ${backend}/pizzashack/1.0.0
  timeoutMs: 10000
resources:
  - { path: /menu, methods: [GET] }
  - { path: "/order/{orderId}", methods: [GET, PUT] }
  - { path: /order, methods: [POST] }
  - { path: /slow, methods: [GET] }
flows: { in: pizza-in, out: pizza-out, fault: null }
`;
}

const PIZZA_IN = `<sequence ${SYNAPSE_NS} name="pizza-in">
  <header name="X-Order-Id" scope="transport" expression="$ctx:uri.var.orderId"/>
  <header name="X-Lang" scope="transport" expression="$ctx:query.param.lang"/>
  <header name="X-Api" scope="transport" expression="$ctx:SYNAPSE_REST_API"/>
</sequence>`;

const PIZZA_OUT = `<sequence ${SYNAPSE_NS} name="pizza-out">
  <header name="X-Out-Flow" scope="transport" value="pizza-out"/>
</sequence>`;

describe('gateway', () => {
  let backend: Backend;
  let folder: ReturnType<typeof configFolder>;
  let gw: InProcessGateway;

  beforeAll(async () => {
    backend = await Backend.start();
    const dead = `http://127.0.0.1:${await deadPort()}`;
    folder = configFolder({
      'gateway.yaml': 'http: { host: 127.0.0.1 }\nadmin: { password: test-secret }\nlimits: { maxBodyBytes: 1024 }\n',
      'apis/orders.xml': ordersApi(backend.url, dead),
      'apis/pizza.yaml': pizzaApi(backend.url),
      'apis/dead.yaml': `name: DeadAPI\ncontext: /dead\nversion: v1\nendpoint: { url: "${dead}/svc" }\nresources:\n  - { path: /*, methods: [GET, POST] }\n`,
      'sequences/pizza-in.xml': PIZZA_IN,
      'sequences/pizza-out.xml': PIZZA_OUT,
    });
    gw = await InProcessGateway.start(folder.dir);
  });

  afterAll(async () => {
    await gw?.close();
    await backend?.close();
    folder?.remove();
  });

  describe('a Synapse <api> with inline sequences', () => {
    test('the in-sequence sends to the backend with REST_URL_POSTFIX appended, the out-sequence changes the answer', async () => {
      const r = await call(`${gw.url}/orders/items/7?lang=en&x=a%20b`);
      expect(r.status).toBe(200);
      expect(backend.last.method).toBe('GET');
      expect(backend.last.url).toBe('/backend/items/7?lang=en&x=a%20b');
      expect(r.headers['x-mediated']).toBe('out-sequence');
      expect(r.headers['x-backend']).toBe('yes');
      expect(r.json()).toEqual({ via: 'gateway', backend: { method: 'GET', url: '/backend/items/7?lang=en&x=a%20b', body: '' } });
    });

    test('uri.var.* and query.param.* are set for the in-sequence (URL-decoded)', async () => {
      await call(`${gw.url}/orders/items/A%2F1?lang=pt%2DBR`);
      expect(backend.last.headers['x-item-id']).toBe('A/1');
      expect(backend.last.headers['x-lang']).toBe('pt-BR');
    });

    test('the request body and end-to-end headers are forwarded; hop-by-hop headers are not', async () => {
      const body = JSON.stringify({ pizza: 'diavola', qty: 2 });
      // A raw request, so that the hop-by-hop headers reach the gateway exactly as written.
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(gw.url).port), '127.0.0.1', () => {
          socket.write(
            [
              'POST /orders/items/9 HTTP/1.1',
              'Host: gateway.test',
              'Content-Type: application/json',
              `Content-Length: ${Buffer.byteLength(body)}`,
              'X-Custom: abc',
              'Authorization: Bearer client-token',
              'Connection: close, X-Hop',
              'X-Hop: for-this-hop-only',
              'Keep-Alive: timeout=5',
              'TE: trailers',
              'Proxy-Authorization: Basic eDp5',
              '',
              body,
            ].join('\r\n'),
          );
        });
        let text = '';
        socket.on('data', (c) => (text += c.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 200/);
      const seen = backend.last;
      expect(seen.method).toBe('POST');
      expect(seen.url).toBe('/backend/items/9');
      expect(JSON.parse(seen.body)).toEqual({ pizza: 'diavola', qty: 2 });
      expect(seen.headers['content-type']).toBe('application/json');
      expect(seen.headers['x-custom']).toBe('abc');
      expect(seen.headers['authorization']).toBe('Bearer client-token');
      expect(seen.headers['host']).toBe(`127.0.0.1:${backend.port}`);
      for (const hop of ['x-hop', 'keep-alive', 'te', 'proxy-authorization']) expect(seen.headers, hop).not.toHaveProperty(hop);
      expect(String(seen.headers['connection'] ?? '')).not.toMatch(/x-hop/i);
    });

    test('the faultSequence answers its own JSON fault when the backend refuses the connection', async () => {
      const r = await call(`${gw.url}/orders/broken`);
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      const fault = r.json().fault;
      expect(fault.code).toBe(101503);
      expect(fault.message).toMatch(/^Error connecting to the back end/);
      expect(fault.handledBy).toBe('OrdersAPI');
    });
  });

  describe('an API-manager style YAML API', () => {
    test('runs the in-flow, calls endpoint.url + REST_URL_POSTFIX, runs the out-flow', async () => {
      const r = await call(`${gw.url}/pizzashack/1.0.0/order/17?lang=en`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"size":"L"}' });
      expect(r.status).toBe(200);
      expect(backend.last.method).toBe('PUT');
      expect(backend.last.url).toBe('/pizzashack/1.0.0/order/17?lang=en');
      expect(backend.last.body).toBe('{"size":"L"}');
      expect(backend.last.headers['x-order-id']).toBe('17');
      expect(backend.last.headers['x-lang']).toBe('en');
      expect(backend.last.headers['x-api']).toBe('PizzaShackAPI:v1.0.0');
      expect(r.headers['x-out-flow']).toBe('pizza-out');
      expect(r.json()).toEqual({ method: 'PUT', url: '/pizzashack/1.0.0/order/17?lang=en', body: '{"size":"L"}' });
    });

    test('the backend status and headers come back to the client', async () => {
      backend.handler = (_req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain', 'x-order': 'created' });
        res.end('ok');
      };
      try {
        const r = await call(`${gw.url}/pizzashack/1.0.0/order`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'one' });
        expect(r.status).toBe(201);
        expect(r.headers['x-order']).toBe('created');
        expect(r.headers['content-type']).toBe('text/plain');
        expect(r.body).toBe('ok');
      } finally {
        backend.reset();
      }
    });

    test('a path with no resource is a 404 JSON fault', async () => {
      const r = await call(`${gw.url}/pizzashack/1.0.0/drinks`);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toBe('application/json');
      const fault = r.json();
      expect(Object.keys(fault).sort()).toEqual(['code', 'description', 'message', 'type']);
      expect(fault).toMatchObject({ code: '404', type: 'Status report', message: 'Not Found' });
      expect(typeof fault.description).toBe('string');
    });

    test('a wrong method is a 405 JSON fault', async () => {
      const r = await call(`${gw.url}/pizzashack/1.0.0/menu`, { method: 'DELETE' });
      expect(r.status).toBe(405);
      expect(r.json()).toMatchObject({ code: '405', type: 'Status report', message: 'Method Not Allowed' });
    });

    test('a backend that is down is a JSON fault with code 101503 and status 502', async () => {
      const r = await call(`${gw.url}/dead/v1/anything?x=1`);
      expect(r.status).toBe(502);
      expect(r.headers['content-type']).toBe('application/json');
      const fault = r.json();
      expect(fault.code).toBe('101503');
      expect(fault.type).toBe('Status report');
      expect(fault.description).toMatch(/Error connecting to the back end/);
    });
  });

  describe('limits.maxBodyBytes', () => {
    test('a declared body over the limit is refused with 413 before it is read', async () => {
      const before = backend.requests.length;
      const r = await call(`${gw.url}/pizzashack/1.0.0/order`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(4096) });
      expect(r.status).toBe(413);
      expect(r.json()).toMatchObject({ code: '413', type: 'Status report', message: 'Payload Too Large' });
      expect(backend.requests.length).toBe(before);
    });

    test('a chunked body that grows over the limit is refused with 413 too', async () => {
      const before = backend.requests.length;
      const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${gw.url}/pizzashack/1.0.0/order`, { method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.write('y'.repeat(800));
        req.end('y'.repeat(800));
      });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).code).toBe('413');
      expect(backend.requests.length).toBe(before);
    });

    test('a body at the limit passes', async () => {
      const r = await call(`${gw.url}/pizzashack/1.0.0/order`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'z'.repeat(1024) });
      expect(r.status).toBe(200);
      expect(backend.last.body).toBe('z'.repeat(1024));
    });
  });

  describe('a client that disconnects', () => {
    test.each([
      ['API-manager style endpoint', '/pizzashack/1.0.0/slow', '/pizzashack/1.0.0/slow'],
      ['<send> in a Synapse <api>', '/orders/slow', '/backend/slow'],
    ])('aborts the backend call (%s): the backend sees its connection close', async (_what, path, backendPath) => {
      let closed = false;
      backend.handler = (req) => {
        // Never answers: only the gateway giving up can end this exchange.
        req.socket.on('close', () => (closed = true));
      };
      const before = backend.requests.length;
      try {
        const req = httpRequest(`${gw.url}${path}`, { agent: false });
        req.on('error', () => undefined);
        req.end();
        await eventually(() => (backend.requests.length > before ? true : undefined), 5000, 'the backend call');
        expect(backend.last.url).toBe(backendPath);
        req.destroy();
        await eventually(() => (closed ? true : undefined), 3000, 'the backend connection closing');
      } finally {
        backend.reset();
      }
    });
  });
});

describe('dispatch handler sequences (reference §7.4)', () => {
  let folder: ReturnType<typeof configFolder>;
  let gw: InProcessGateway;

  beforeAll(async () => {
    folder = configFolder({
      'apis/menu.xml': `<api ${SYNAPSE_NS} name="MenuAPI" context="/menu">
  <resource methods="GET" uri-template="/today"><inSequence><respond/></inSequence></resource>
</api>`,
      'sequences/mismatch.xml': `<sequence ${SYNAPSE_NS} name="_resource_mismatch_handler_">
  <payloadFactory media-type="json">
    <format>{"error": "no such resource", "path": "$1"}</format>
    <args><arg expression="$ctx:REST_FULL_REQUEST_PATH"/></args>
  </payloadFactory>
  <property name="HTTP_SC" scope="axis2" value="404"/>
  <respond/>
</sequence>`,
      'sequences/method.xml': `<sequence ${SYNAPSE_NS} name="_method_not_allowed_handler_">
  <payloadFactory media-type="json"><format>{"error": "method not allowed here"}</format><args/></payloadFactory>
  <property name="HTTP_SC" scope="axis2" value="405"/>
  <respond/>
</sequence>`,
    });
    gw = await InProcessGateway.start(folder.dir);
  });

  afterAll(async () => {
    await gw?.close();
    folder?.remove();
  });

  test('_resource_mismatch_handler_ answers for a path no resource takes', async () => {
    const r = await call(`${gw.url}/menu/tomorrow`);
    expect(r.status).toBe(404);
    expect(r.json().error).toBe('no such resource');
  });

  test('_method_not_allowed_handler_ answers for a wrong method', async () => {
    const r = await call(`${gw.url}/menu/today`, { method: 'POST', body: '' });
    expect(r.status).toBe(405);
    expect(r.json()).toEqual({ error: 'method not allowed here' });
  });

  test('the matching resource still serves', async () => {
    const r = await call(`${gw.url}/menu/today`);
    expect(r.status).toBe(200);
  });
});
