import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { HttpClient } from '../../../engine/endpoint/http-client.js';
import { stringOf } from '../../../engine/message/typed-value.js';
import type { MessageOptions } from '../../support/runtime.js';
import { diagnose, run as runConfig, seq, SYNAPSE } from '../../support/sequences.js';
import { closedPort, RecordingBackend } from '../endpoint/recording-backend.js';

/** `<call>` (reference §2.6, §5.3, checklist 9 and 10) against a real backend on 127.0.0.1. */

let http: HttpClient;
let backend: RecordingBackend;
beforeAll(async () => {
  http = new HttpClient();
  backend = await RecordingBackend.start();
});
afterAll(async () => {
  await http.close();
  await backend.close();
});
beforeEach(() => {
  backend.requests.length = 0;
  backend.handler = (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Backend': 'b' });
    res.end('{"answer":42}');
  };
});

const run = (config: string, message: MessageOptions = {}) => runConfig(config, message, { http });
const address = (path = '/svc') => `<endpoint><address uri="${backend.url(path)}"/></endpoint>`;
const httpEndpoint = (template: string, attrs = '') => `<endpoint><http uri-template="${backend.url(template)}" ${attrs}/></endpoint>`;
const postfix = (value: string) => `<property name="REST_URL_POSTFIX" scope="axis2" value="${value}"/>`;
/** A fault sequence that records what it saw. */
const withOnError = (body: string) => `<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error">${body}<property name="after-call" value="reached"/></sequence>
  <sequence name="on-error">
    <property name="seen-code" expression="$ctx:ERROR_CODE"/>
    <property name="seen-message" expression="$ctx:ERROR_MESSAGE"/>
    <property name="seen-status" expression="$axis2:HTTP_SC"/>
  </sequence>
</definitions>`;

describe('blocking call (reference §2.6 runtime, blocking)', () => {
  test('keeps the request transport headers, replaces the body, sets HTTP_SC and messageType from the response', async () => {
    backend.handler = (_req, res) => res.writeHead(201, { 'Content-Type': 'application/json; charset=UTF-8', 'X-Backend': 'b' }).end('{"answer":42}');
    const { mc, result } = await run(seq(`<call blocking="true">${address()}</call><property name="after" value="1"/>`), {
      body: '<order><id>1</id></order>',
      contentType: 'application/xml',
      headers: { 'X-Client': 'c', Authorization: 'Bearer client-token' },
    });
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
    expect(mc.headers.get('X-Client')).toBe('c');
    expect(mc.headers.get('Authorization')).toBe('Bearer client-token');
    expect(mc.headers.has('X-Backend')).toBe(false);
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('201');
    expect(mc.messageType).toBe('application/json');
    expect(JSON.parse(String(mc.payload.serialize(mc.messageType)))).toEqual({ answer: 42 });
  });

  test('the response body is readable by the next mediators', async () => {
    const { mc } = await run(seq(`<call blocking="true">${address()}</call><property name="answer" expression="json-eval($.answer)"/>`), {
      body: '{}',
      contentType: 'application/json',
    });
    expect(stringOf(mc.properties.get('answer'))).toBe('42');
  });

  test('BLOCKING_SENDER_PRESERVE_REQ_HEADERS=false takes the response headers instead', async () => {
    const { mc } = await run(seq(`<property name="BLOCKING_SENDER_PRESERVE_REQ_HEADERS" value="false"/><call blocking="true">${address()}</call>`), {
      headers: { 'X-Client': 'c' },
    });
    expect(mc.headers.get('X-Backend')).toBe('b');
    expect(mc.headers.has('X-Client')).toBe(false);
  });

  test('⚠ appends REST_URL_POSTFIX even for http endpoints', async () => {
    await run(seq(`${postfix('/orders/7?x=1')}<call blocking="true">${httpEndpoint('/svc')}</call>`));
    expect(backend.last.url).toBe('/svc/orders/7?x=1');
  });

  test('appends REST_URL_POSTFIX to address endpoints', async () => {
    await run(seq(`${postfix('/orders/7')}<call blocking="true">${address('/svc/')}</call>`));
    expect(backend.last.url).toBe('/svc/orders/7');
  });

  test('a blank REST_URL_POSTFIX (the token-fetch idiom) sends to the endpoint URI as written', async () => {
    await run(seq(`${postfix('')}<call blocking="true">${httpEndpoint('/oauth2/token')}</call>`));
    expect(backend.last.url).toBe('/oauth2/token');
  });

  test.each([404, 500, 503])('HTTP %i → fault with ERROR_CODE 401002 and HTTP_SC set', async (status) => {
    backend.handler = (_req, res) => res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"error":"no"}');
    const { mc, result } = await run(withOnError(`<call blocking="true">${address()}</call>`));
    expect(result).toBe(true);
    expect(mc.properties.has('after-call')).toBe(false);
    expect(stringOf(mc.properties.get('seen-code'))).toBe('401002');
    expect(stringOf(mc.properties.get('seen-status'))).toBe(String(status));
    expect(mc.properties.get('blocking.sender.error')).toBe('true');
    expect(mc.outcome).toBe('fault');
  });

  test('statuses in the axis2 property nonErrorHttpStatusCodes are answers, not faults', async () => {
    backend.handler = (_req, res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
    const { mc } = await run(
      withOnError(`<property name="nonErrorHttpStatusCodes" scope="axis2" value="400, 404"/><call blocking="true">${address()}</call>`),
    );
    expect(mc.properties.get('after-call')).toBe('reached');
    expect(mc.properties.has('seen-code')).toBe(false);
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('404');
    expect(JSON.parse(String(mc.payload.serialize(mc.messageType)))).toEqual({ error: 'not found' });
  });

  test('3xx is not an error and redirects are not followed', async () => {
    backend.handler = (_req, res) => res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data' }).end();
    const { mc } = await run(withOnError(`<call blocking="true">${address()}</call>`));
    expect(mc.properties.get('after-call')).toBe('reached');
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('302');
    expect(backend.requests).toHaveLength(1);
  });
});

describe('non-blocking call (reference §2.6 runtime, non-blocking)', () => {
  test('takes the response headers and body, sets HTTP_SC', async () => {
    const { mc, result } = await run(seq(`<call>${address()}</call><property name="after" value="1"/>`), { headers: { 'X-Client': 'c' } });
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
    expect(mc.headers.get('X-Backend')).toBe('b');
    expect(mc.headers.has('X-Client')).toBe(false);
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('200');
    expect(mc.messageType).toBe('application/json');
  });

  test('does not append REST_URL_POSTFIX for http endpoints', async () => {
    await run(seq(`${postfix('/orders/7?x=1')}<call>${httpEndpoint('/svc')}</call>`));
    expect(backend.last.url).toBe('/svc');
  });

  test('appends it for address endpoints', async () => {
    await run(seq(`${postfix('/orders/7?x=1')}<call>${address('/svc')}</call>`));
    expect(backend.last.url).toBe('/svc/orders/7?x=1');
  });

  test('an HTTP 500 is not a fault: the sequence goes on with the error response', async () => {
    backend.handler = (_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom');
    const { mc } = await run(withOnError(`<call>${address()}</call>`));
    expect(mc.properties.get('after-call')).toBe('reached');
    expect(mc.properties.has('seen-code')).toBe(false);
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('500');
    expect(mc.outcome).toBe('continue');
  });

  test('a REST_URL_POSTFIX that climbs out of the base path is refused before anything is sent', async () => {
    const { mc } = await run(withOnError(`${postfix('/../admin')}<call>${address('/svc')}</call>`));
    expect(stringOf(mc.properties.get('seen-message'))).toMatch(/would leave the endpoint's base path/);
    expect(backend.requests).toHaveLength(0);
  });
});

describe('what the backend receives', () => {
  test('the incoming method, the body and its content type', async () => {
    await run(seq(`<call blocking="true">${address()}</call>`), { method: 'PATCH', body: '{"a":1}', contentType: 'application/json' });
    expect(backend.last.method).toBe('PATCH');
    expect(backend.last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(backend.last.body)).toEqual({ a: 1 });
  });

  test('an http endpoint method overrides the incoming one (case-insensitive)', async () => {
    await run(seq(`<call blocking="true">${httpEndpoint('/svc', 'method="put"')}</call>`), { method: 'POST', body: '{"a":1}', contentType: 'application/json' });
    expect(backend.last.method).toBe('PUT');
    expect(JSON.parse(backend.last.body)).toEqual({ a: 1 });
  });

  test('an invalid http endpoint method keeps the incoming one and is warned about', async () => {
    const config = seq(`<call blocking="true">${httpEndpoint('/svc', 'method="fetch"')}</call>`);
    expect(diagnose(config).join('\n')).toMatch(/method "fetch" is not an HTTP method/);
    await run(config, { method: 'DELETE' });
    expect(backend.last.method).toBe('DELETE');
  });

  test('GET sends no body and no content type', async () => {
    await run(seq(`<call blocking="true">${address()}</call>`), { method: 'GET', body: '{"ignored":true}', contentType: 'application/json' });
    expect(backend.last.method).toBe('GET');
    expect(backend.last.body).toBe('');
    expect(backend.last.headers['content-type']).toBeUndefined();
    expect(backend.last.headers['content-length'] ?? '0').toBe('0');
    expect(backend.last.headers['transfer-encoding']).toBeUndefined();
  });

  test('the body is serialised by messageType: JSON in, XML out', async () => {
    await run(seq(`<property name="messageType" scope="axis2" value="application/xml"/><call blocking="true">${address()}</call>`), {
      body: '{"order":{"id":7}}',
      contentType: 'application/json',
    });
    expect(backend.last.headers['content-type']).toBe('application/xml');
    expect(backend.last.body).toMatch(/<order><id>7<\/id><\/order>/);
  });

  test("the article's token request: a payloadFactory envelope sent as application/x-www-form-urlencoded", async () => {
    backend.handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"T1","token_type":"Bearer","expires_in":3600}');
    const { mc } = await run(
      seq(`
  <property name="message-body" expression="json-eval($)"/>
  <payloadFactory media-type="xml">
    <format>
      <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
        <soapenv:Body><root xmlns=""><grant_type>client_credentials</grant_type><scope>read write</scope></root></soapenv:Body>
      </soapenv:Envelope>
    </format>
    <args/>
  </payloadFactory>
  <header name="Authorization" scope="transport" value="Basic Y2xpZW50OnNlY3JldA=="/>
  <header name="Content-Type" scope="transport" value="application/x-www-form-urlencoded"/>
  <property name="messageType" scope="axis2" value="application/x-www-form-urlencoded"/>
  <property name="REST_URL_POSTFIX" scope="axis2" value=""/>
  <call blocking="true"><endpoint><http method="POST" uri-template="${backend.url('/oauth2/token')}"/></endpoint></call>
  <property name="token" expression="json-eval($.access_token)"/>`),
      { method: 'GET', body: '{"order":1}', contentType: 'application/json', headers: { 'X-Client': 'c' } },
    );
    expect(backend.last.method).toBe('POST');
    expect(backend.last.url).toBe('/oauth2/token');
    expect(backend.last.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(backend.last.headers['authorization']).toBe('Basic Y2xpZW50OnNlY3JldA==');
    expect(Object.fromEntries(new URLSearchParams(backend.last.body))).toEqual({ grant_type: 'client_credentials', scope: 'read write' });
    expect(stringOf(mc.properties.get('token'))).toBe('T1');
    // Blocking call keeps the request headers: the Basic header must be removed explicitly afterwards (§2.6).
    expect(mc.headers.get('Authorization')).toBe('Basic Y2xpZW50OnNlY3JldA==');
  });

  test('no hop-by-hop or framing headers from the message: Connection (and the headers it names), Transfer-Encoding, Host, ...', async () => {
    await run(seq(`<call blocking="true">${address()}</call>`), {
      body: '{"a":1}',
      contentType: 'application/json',
      headers: {
        Host: 'client.example',
        Connection: 'keep-alive, X-Hop-Secret',
        'X-Hop-Secret': 'only for the first hop',
        'Keep-Alive': 'timeout=5',
        'Transfer-Encoding': 'chunked',
        'Content-Length': '999',
        TE: 'trailers',
        Upgrade: 'h2c',
        'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0',
        Expect: '100-continue',
        'X-Keep': 'k',
      },
    });
    const h = backend.last.headers;
    expect(h['host']).toBe(`127.0.0.1:${backend.port}`);
    expect(h['x-hop-secret']).toBeUndefined();
    expect(h['connection'] ?? '').not.toMatch(/x-hop-secret/i);
    expect(h['keep-alive']).toBeUndefined();
    expect(h['transfer-encoding']).toBeUndefined();
    expect(h['content-length']).toBe('7');
    expect(h['te']).toBeUndefined();
    expect(h['upgrade']).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h['expect']).toBeUndefined();
    expect(h['x-keep']).toBe('k');
    expect(backend.last.body).toBe('{"a":1}');
  });

  test('header values set from untrusted input cannot inject CRLF into the backend request', async () => {
    const { mc } = await run(withOnError(`<header name="X-Id" scope="transport" expression="$ctx:evil"/><call blocking="true">${address()}</call>`), {
      properties: { evil: 'a\r\nX-Injected: 1' },
    });
    expect(stringOf(mc.properties.get('seen-message'))).toMatch(/CR, LF or NUL/);
    expect(backend.requests).toHaveLength(0);
  });
});

describe('<source> and <target> (reference §2.6, MI 4.x)', () => {
  test('source type="inline" sends the inline XML with its contentType', async () => {
    await run(
      seq(`<call blocking="true"><source type="inline" contentType="application/xml"><lookup xmlns=""><id>9</id></lookup></source>${address()}</call>`),
      { body: '{"original":true}', contentType: 'application/json' },
    );
    expect(backend.last.headers['content-type']).toBe('application/xml');
    // xmlns="" keeps the config's Synapse namespace off the payload; on the root it is redundant but harmless.
    expect(backend.last.body).toMatch(/^<lookup( xmlns="")?><id>9<\/id><\/lookup>$/);
  });

  test('source type="inline" with JSON text', async () => {
    await run(seq(`<call blocking="true"><source type="inline" contentType="application/json">{"q":"inline"}</source>${address()}</call>`));
    expect(backend.last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(backend.last.body)).toEqual({ q: 'inline' });
  });

  test('source type="property" sends the property value', async () => {
    await run(seq(`<property name="req" value='{"from":"property"}'/><call blocking="true"><source type="property" contentType="application/json">req</source>${address()}</call>`));
    expect(JSON.parse(backend.last.body)).toEqual({ from: 'property' });
  });

  test('source type="custom" evaluates the expression', async () => {
    await run(seq(`<call blocking="true"><source type="custom" contentType="application/json">json-eval($.inner)</source>${address()}</call>`), {
      body: '{"inner":{"x":1},"outer":2}',
      contentType: 'application/json',
    });
    expect(JSON.parse(backend.last.body)).toEqual({ x: 1 });
  });

  test('target type="property" stores the response and restores the original body, type and headers', async () => {
    const { mc } = await run(
      seq(`<call blocking="true"><source type="inline" contentType="application/json">{"q":1}</source><target type="property">resp</target>${address()}</call>`),
      { body: '<order><id>1</id></order>', contentType: 'application/xml', headers: { 'X-Client': 'c' } },
    );
    expect(JSON.parse(stringOf(mc.properties.get('resp')))).toEqual({ answer: 42 });
    expect(mc.messageType).toBe('application/xml');
    expect(mc.headers.get('Content-Type')).toBe('application/xml');
    expect(mc.headers.get('X-Client')).toBe('c');
    expect(String(mc.payload.serialize(mc.messageType))).toBe('<order><id>1</id></order>');
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('200');
  });

  test('a target without a source sends the body', async () => {
    const { mc } = await run(seq(`<call blocking="true"><target type="property">resp</target>${address()}</call>`), {
      body: '{"sent":"body"}',
      contentType: 'application/json',
    });
    expect(JSON.parse(backend.last.body)).toEqual({ sent: 'body' });
    expect(JSON.parse(String(mc.payload.serialize(mc.messageType)))).toEqual({ sent: 'body' });
  });

  test('unsupported source and target types are load errors', () => {
    expect(diagnose(seq(`<call><source type="registry">x</source>${address()}</call>`)).join('\n')).toMatch(/is not one of body, custom, property, inline/);
    expect(diagnose(seq(`<call><target type="envelope">x</target>${address()}</call>`)).join('\n')).toMatch(/is not supported/);
  });
});

describe('which endpoint: by key, dynamic key, the To header', () => {
  const definitions = (main: string) => `<definitions ${SYNAPSE}>
  <endpoint name="orders"><address uri="${backend.url('/orders-svc')}"/></endpoint>
  <endpoint name="stock"><http uri-template="${backend.url('/stock/{uri.var.item}')}"/></endpoint>
  <sequence name="main" onError="on-error">${main}</sequence>
  <sequence name="on-error"><property name="seen-message" expression="$ctx:ERROR_MESSAGE"/></sequence>
</definitions>`;

  test('an endpoint named in <definitions> is used by key', async () => {
    await run(definitions(`<call blocking="true"><endpoint key="orders"/></call>`));
    expect(backend.last.url).toBe('/orders-svc');
  });

  test('a dynamic key {...} is resolved per message', async () => {
    const main = `<property name="uri.var.item" value="apple"/><call blocking="true"><endpoint key="{$ctx:target}"/></call>`;
    await run(definitions(main), { properties: { target: 'stock' } });
    expect(backend.last.url).toBe('/stock/apple');
    await run(definitions(main), { properties: { target: 'orders' } });
    expect(backend.last.url).toBe('/orders-svc');
  });

  test('a dynamic key naming no endpoint is a fault', async () => {
    const { mc } = await run(definitions(`<call blocking="true"><endpoint key="{$ctx:target}"/></call>`), { properties: { target: 'nope' } });
    expect(stringOf(mc.properties.get('seen-message'))).toBe('Endpoint named "nope" cannot be found');
    expect(backend.requests).toHaveLength(0);
  });

  test('an undefined static key is warned about at load time', () => {
    expect(diagnose(seq(`<call><endpoint key="missing"/></call>`)).join('\n')).toMatch(/endpoint "missing" is not defined/);
  });

  test('no endpoint: the message goes to its To address (implicit endpoint)', async () => {
    await run(seq(`<header name="To" value="${backend.url('/to/address?q=1')}"/><call blocking="true"/>`), { body: '{"a":1}', contentType: 'application/json' });
    expect(backend.last.url).toBe('/to/address?q=1');
    expect(JSON.parse(backend.last.body)).toEqual({ a: 1 });
  });

  test('no endpoint and no absolute To address is a fault, not a request', async () => {
    const { mc } = await run(definitions(`<call blocking="true"/>`), { to: '/relative' });
    expect(stringOf(mc.properties.get('seen-message'))).toMatch(/no absolute To address/);
  });
});

describe('endpoint properties (reference §5.1, §5.3)', () => {
  test('uri.var.* from the message default scope fill the template, percent-encoded', async () => {
    await run(seq(`<property name="uri.var.id" value="a/b?c#d"/><call blocking="true">${httpEndpoint('/items/{uri.var.id}')}</call>`));
    expect(backend.last.url).toBe('/items/a%2Fb%3Fc%23d');
  });

  test('query.param.* fill the query, encoded', async () => {
    await run(seq(`<call blocking="true">${httpEndpoint('/search?q={query.param.q}')}</call>`), { properties: { 'query.param.q': 'x y&admin=1' } });
    expect(backend.last.url).toBe('/search?q=x%20y%26admin%3D1');
  });

  test('an endpoint-level uri.var property (value or expression) feeds the template', async () => {
    await run(seq(`<call blocking="true"><endpoint><http uri-template="${backend.url('/items/{uri.var.id}/{uri.var.kind}')}"/>
      <property name="uri.var.id" value="fixed"/><property name="uri.var.kind" expression="$ctx:kind"/></endpoint></call>`), {
      properties: { kind: 'fruit' },
    });
    expect(backend.last.url).toBe('/items/fixed/fruit');
  });

  test('an endpoint-level uri.var property wins over the message property of the same name', async () => {
    await run(seq(`<property name="uri.var.id" value="from-message"/><call blocking="true"><endpoint><http uri-template="${backend.url('/items/{uri.var.id}')}"/>
      <property name="uri.var.id" value="from-endpoint"/></endpoint></call>`));
    expect(backend.last.url).toBe('/items/from-endpoint');
  });

  test('other endpoint properties are set on the message before sending (a transport one becomes a header)', async () => {
    const { mc } = await run(seq(`<call blocking="true"><endpoint><address uri="${backend.url('/svc')}"/>
      <property name="X-Endpoint" scope="transport" value="ep"/><property name="ep.marker" value="set"/></endpoint></call>`));
    expect(backend.last.headers['x-endpoint']).toBe('ep');
    expect(mc.properties.get('ep.marker')).toBe('set');
  });

  test('a uri.var value of ".." is refused, not sent to a parent path', async () => {
    const { mc } = await run(withOnError(`<property name="uri.var.id" value=".."/><call blocking="true">${httpEndpoint('/api/items/{uri.var.id}')}</call>`));
    expect(stringOf(mc.properties.get('seen-message'))).toMatch(/may not climb/);
    expect(backend.requests).toHaveLength(0);
  });
});

describe('basicAuth (reference §5.4)', () => {
  const expected = `Basic ${Buffer.from('svc-user:s3cr3t:with:colons', 'utf8').toString('base64')}`;
  beforeEach(() => {
    backend.handler = (req, res) => {
      if (req.headers['authorization'] !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="svc"', 'Content-Type': 'text/plain' }).end('denied');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"authorized":true}');
    };
  });
  const endpoint = (user: string, password: string) =>
    `<endpoint><http method="get" uri-template="${backend.url('/secure')}"><authentication><basicAuth><username>${user}</username><password>${password}</password></basicAuth></authentication></http></endpoint>`;

  test('every request carries Authorization: Basic base64(username:password), replacing the client\'s', async () => {
    const { mc } = await run(withOnError(`<call blocking="true">${endpoint('svc-user', 's3cr3t:with:colons')}</call>`), {
      headers: { Authorization: 'Bearer client-token' },
    });
    expect(mc.properties.get('after-call')).toBe('reached');
    expect(JSON.parse(String(mc.payload.serialize(mc.messageType)))).toEqual({ authorized: true });
    expect(backend.last.headers['authorization']).toBe(expected);
  });

  test('wrong credentials: the 401 is a blocking-call fault, sent once (basicAuth does not retry)', async () => {
    const { mc } = await run(withOnError(`<call blocking="true">${endpoint('svc-user', 'wrong')}</call>`));
    expect(stringOf(mc.properties.get('seen-code'))).toBe('401002');
    expect(stringOf(mc.properties.get('seen-status'))).toBe('401');
    expect(backend.requests).toHaveLength(1);
  });

  test('missing username or password is a load error', () => {
    const out = diagnose(seq(`<call><endpoint><http uri-template="http://h/x"><authentication><basicAuth><username>u</username></basicAuth></authentication></http></endpoint></call>`));
    expect(out.join('\n')).toMatch(/needs <password>/);
  });
});

describe('OUT_ONLY (reference §2.6)', () => {
  test('fire-and-forget: the call returns at once, the message is unchanged, the backend still gets the request', async () => {
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    backend.handler = (_req, res) => {
      received();
      setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"late":true}'), 300);
    };
    const started = Date.now();
    const { mc, result } = await run(seq(`<property name="OUT_ONLY" value="true"/><call>${address('/events')}</call><property name="after" value="1"/>`), {
      body: '{"event":"created"}',
      contentType: 'application/json',
    });
    expect(Date.now() - started).toBeLessThan(250);
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
    expect(JSON.parse(String(mc.payload.serialize(mc.messageType)))).toEqual({ event: 'created' });
    expect(mc.axis2.has('HTTP_SC')).toBe(false);
    await arrived;
    expect(backend.last.url).toBe('/events');
    expect(JSON.parse(backend.last.body)).toEqual({ event: 'created' });
  });

  test('with a <source>, the source is sent and the message goes on with its original body', async () => {
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    backend.handler = (_req, res) => {
      received();
      res.writeHead(202).end();
    };
    const { mc } = await run(
      seq(`<property name="OUT_ONLY" value="true"/><call><source type="inline" contentType="application/json">{"audit":1}</source>${address('/audit')}</call>`),
      { body: '<order><id>1</id></order>', contentType: 'application/xml' },
    );
    expect(String(mc.payload.serialize(mc.messageType))).toBe('<order><id>1</id></order>');
    expect(mc.messageType).toBe('application/xml');
    await arrived;
    expect(JSON.parse(backend.last.body)).toEqual({ audit: 1 });
    expect(backend.last.headers['content-type']).toBe('application/json');
  });

  test('a failing out-only call is logged, not a fault', async () => {
    const port = await closedPort();
    const { mc, runtime } = await run(withOnError(`<property name="OUT_ONLY" value="true"/><call><endpoint><address uri="http://127.0.0.1:${port}/x"/></endpoint></call>`));
    expect(mc.properties.get('after-call')).toBe('reached');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runtime.logger.text()).toMatch(/out-only call to .* failed/);
    expect(mc.properties.has('seen-code')).toBe(false);
  });
});
