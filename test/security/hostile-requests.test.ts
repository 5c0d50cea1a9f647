import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Backend, configFolder, InProcessGateway, SYNAPSE_NS } from '../e2e/support/harness.js';
import { httpRequest, rawRequest, type RawAnswer, type RawInput } from './support/raw-http.js';

/**
 * Hostile HTTP requests over a real socket (docs/security.md): each row is the bytes a client sends, the status
 * it must get and the JSON fault code (null where node:http answers by itself, with no body, as it does for
 * framing it cannot trust). Every answer is checked for what must never be in one: a stack trace, a secret, a
 * connection left hanging.
 */

const LIMITS = {
  maxBodyBytes: 4096,
  maxHeaderBytes: 8192,
  maxHeaderCount: 20,
  maxUrlLength: 1024,
  headersTimeoutMs: 1000,
  requestTimeoutMs: 1500,
  maxXmlDepth: 16,
  maxXmlElements: 200,
  maxXmlAttributes: 8,
  maxJsonDepth: 16,
  maxJsonValues: 200,
};

function hostileApi(backend: string): string {
  return `<api ${SYNAPSE_NS} name="HostileAPI" context="/h">
  <resource methods="POST" uri-template="/xml">
    <inSequence>
      <property name="count" expression="count(//*)"/>
      <payloadFactory media-type="json"><format>{"elements": $1}</format><args><arg expression="$ctx:count"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/json">
    <inSequence>
      <property name="a" expression="json-eval($.a)"/>
      <property name="n" expression="count(//*)"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/tojson">
    <inSequence>
      <property name="messageType" scope="axis2" value="application/json"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/form">
    <inSequence>
      <property name="n" expression="count(//*)"/>
      <payloadFactory media-type="json"><format>{"fields": $1}</format><args><arg expression="$ctx:n"/></args></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/hdr/{v}">
    <inSequence>
      <header name="X-Echo" scope="transport" expression="$ctx:uri.var.v"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/prop">
    <inSequence>
      <property name="X-Prop" scope="transport" expression="$ctx:query.param.v"/>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/name/{n}">
    <inSequence>
      <script language="js">mc.setHeader(mc.getProperty('uri.var.n'), 'x');</script>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/tpl/{x}">
    <inSequence><send><endpoint><http method="get" uri-template="${backend}/base/{uri.var.x}"/></endpoint></send></inSequence>
  </resource>
  <resource methods="GET" uri-template="/rtpl/{+x}">
    <inSequence><send><endpoint><http method="get" uri-template="${backend}/base/{+uri.var.x}"/></endpoint></send></inSequence>
  </resource>
  <resource methods="POST GET" uri-template="/send">
    <inSequence><send><endpoint><address uri="${backend}/base/send"/></endpoint></send></inSequence>
  </resource>
</api>`;
}

/** An API-manager style API without flows: requests stream through to `${backend}/base`. */
const passApi = (backend: string) => `name: PassAPI
context: /p
version: v1
endpoint: { url: "${backend}/base" }
resources:
  - { path: /*, methods: [GET, POST] }
`;

let backend: Backend;
let attacker: Server;
let attackerHits = 0;
let folder: ReturnType<typeof configFolder>;
let gw: InProcessGateway;
let port: number;

beforeAll(async () => {
  backend = await Backend.start();
  // Where an external entity or a redirected backend call would land: it must never be contacted.
  attacker = createServer((_req, res) => {
    attackerHits++;
    res.end('<!ENTITY leak "stolen">');
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
  folder = configFolder({
    'gateway.yaml': `http: { host: 127.0.0.1 }\nadmin: { password: hostile-admin-secret }\nlimits: ${JSON.stringify(LIMITS)}\n`,
    'apis/hostile.xml': hostileApi(backend.url),
    'apis/pass.yaml': passApi(backend.url),
  });
  gw = await InProcessGateway.start(folder.dir);
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  await gw?.close();
  await backend?.close();
  await new Promise<void>((r) => (attacker ? attacker.close(() => r()) : r()));
  folder?.remove();
});

const attackerUrl = () => `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
const req = httpRequest;
const post = (path: string, contentType: string, body: string, extra: Array<[string, string]> = []) => req('POST', path, [['Content-Type', contentType], ...extra], body);
const nested = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);

interface Row {
  readonly name: string;
  readonly send: () => RawInput;
  /** null: the connection is closed with no response at all. */
  readonly status: number | null;
  /** The JSON fault code; null when the answer is node:http's own (no body) or not a fault. */
  readonly code: string | null;
  /** The connection must be closed after the answer (framing that cannot be trusted, or a refused body). */
  readonly closes?: boolean;
  readonly backendSees?: 'nothing' | 'something';
  /** How long to keep the connection after the first answer (for pipelined requests). */
  readonly settleMs?: number;
  readonly check?: (answer: RawAnswer) => void;
}

const FRAMING: Row[] = [
  { name: 'Content-Length together with Transfer-Encoding (CL.TE smuggling)', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /p/v1/smuggled HTTP/1.1\r\nHost: g\r\n\r\n', status: 400, code: null, closes: true, backendSees: 'nothing' },
  { name: 'two different Content-Length headers', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd', status: 400, code: null, closes: true, backendSees: 'nothing' },
  { name: 'two equal Content-Length headers', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd', status: 400, code: null, closes: true, backendSees: 'nothing' },
  { name: 'a Content-Length list "4, 4"', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: 4, 4\r\n\r\nabcd', status: 400, code: null, closes: true },
  { name: 'a negative Content-Length', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: -1\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'a signed Content-Length "+4"', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: +4\r\n\r\nabcd', status: 400, code: null, closes: true },
  { name: 'a hexadecimal Content-Length', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length: 0x4\r\n\r\nabcd', status: 400, code: null, closes: true },
  { name: 'whitespace before the colon of Content-Length', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nContent-Length : 4\r\n\r\nabcd', status: 400, code: null, closes: true },
  { name: 'Transfer-Encoding twice', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'Transfer-Encoding "chunked, gzip" (chunked not last)', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n', status: 400, code: null, closes: true },
  // node:http hands these to the gateway before its parser fails on the body; the gateway refuses them first.
  { name: 'Transfer-Encoding "xchunked"', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', status: 501, code: '501', closes: true, backendSees: 'nothing' },
  { name: 'Transfer-Encoding "identity"', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: identity\r\n\r\n', status: 501, code: '501', closes: true, backendSees: 'nothing' },
  { name: 'Transfer-Encoding "gzip, chunked" (a coding the gateway never decodes)', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', status: 501, code: '501', closes: true, backendSees: 'nothing' },
  { name: 'Transfer-Encoding in an HTTP/1.0 request', send: () => 'POST /p/v1/x HTTP/1.0\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: '400', closes: true, backendSees: 'nothing' },
  { name: 'Transfer-Encoding folded over two lines (obs-fold)', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'any header folded over two lines (obs-fold)', send: () => 'GET /p/v1/x HTTP/1.1\r\nHost: g\r\nX-A: a\r\n b\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'bare LF line ends', send: () => 'GET /p/v1/x HTTP/1.1\nHost: g\n\n', status: 400, code: null, closes: true },
  { name: 'bare CR line ends', send: () => 'GET /p/v1/x HTTP/1.1\rHost: g\r\r', status: 400, code: null, closes: true },
  { name: 'a bare CR inside a header value', send: () => 'GET /p/v1/x HTTP/1.1\r\nHost: g\r\nX-A: a\rb\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'NUL inside a header value', send: () => 'GET /p/v1/x HTTP/1.1\r\nHost: g\r\nX-A: a\0b\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'a space inside a header name', send: () => 'GET /p/v1/x HTTP/1.1\r\nHost: g\r\nX A: b\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'an invalid chunk size', send: () => 'POST /p/v1/x HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'a chunk size that overflows 64 bits', send: () => 'POST /h/send HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'chunks delimited by bare LF', send: () => 'POST /h/send HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n', status: 400, code: null, closes: true },
  { name: 'an unknown HTTP version', send: () => 'GET /p/v1/x HTTP/1.x\r\nHost: g\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'HTTP/1.1 without Host', send: () => 'GET /p/v1/x HTTP/1.1\r\n\r\n', status: 400, code: null, closes: true, backendSees: 'nothing' },
  { name: 'two Host headers', send: () => 'GET /p/v1/x HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n', status: 400, code: '400', closes: true, backendSees: 'nothing' },
  { name: 'a space inside the request target', send: () => 'GET /p/v1/a b HTTP/1.1\r\nHost: g\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'a control character inside the request target', send: () => 'GET /p/v1/a\x01b HTTP/1.1\r\nHost: g\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'an invalid method token', send: () => 'G@T /p/v1/x HTTP/1.1\r\nHost: g\r\n\r\n', status: 400, code: null, closes: true },
  { name: 'an absolute-form target naming another host (forward-proxy use)', send: () => `GET ${attackerUrl()}/x HTTP/1.1\r\nHost: g\r\n\r\n`, status: 400, code: '400', closes: true, backendSees: 'nothing' },
  { name: 'CONNECT (tunnelling)', send: () => `CONNECT 127.0.0.1:${(attacker.address() as AddressInfo).port} HTTP/1.1\r\nHost: g\r\n\r\n`, status: null, code: null, closes: true, backendSees: 'nothing' },
  {
    name: 'a request smuggled after a complete one is a second request, answered in its turn (never joined to the first)',
    send: () => 'POST /p/v1/first HTTP/1.1\r\nHost: g\r\nContent-Length: 0\r\n\r\nGET /p/v1/second HTTP/1.1\r\nHost: g\r\n\r\n',
    status: 200,
    code: null,
    settleMs: 500,
    check: () => {
      expect(backend.requests.slice(-2).map((r) => r.url)).toEqual(['/base/first', '/base/second']);
      expect(backend.requests.at(-2)!.body).toBe('');
    },
  },
];

const SIZES: Row[] = [
  { name: 'a request head over maxHeaderBytes', send: () => req('GET', '/p/v1/x', [['X-Big', 'a'.repeat(9000)]]), status: 431, code: null, closes: true, backendSees: 'nothing' },
  { name: 'more header fields than maxHeaderCount', send: () => req('GET', '/p/v1/x', Array.from({ length: 25 }, (_, i) => [`X-H${i}`, 'v'] as [string, string])), status: 431, code: '431', closes: true, backendSees: 'nothing' },
  { name: 'exactly maxHeaderCount header fields pass', send: () => req('GET', '/p/v1/x', Array.from({ length: 19 }, (_, i) => [`X-H${i}`, 'v'] as [string, string])), status: 200, code: null, backendSees: 'something' },
  { name: 'a request target over maxUrlLength', send: () => req('GET', `/p/v1/${'a'.repeat(2000)}`), status: 414, code: '414', closes: true, backendSees: 'nothing' },
  { name: 'a declared body over maxBodyBytes (refused before it is read)', send: () => req('POST', '/h/send', [['Content-Length', '999999']]), status: 413, code: '413', closes: true, backendSees: 'nothing' },
  { name: 'Expect: 100-continue with a body over maxBodyBytes', send: () => req('POST', '/h/send', [['Content-Length', '999999'], ['Expect', '100-continue']]), status: 413, code: '413', closes: true, backendSees: 'nothing' },
  { name: 'a chunked body that grows over maxBodyBytes (buffered API)', send: () => req('POST', '/h/send', [['Transfer-Encoding', 'chunked']], `1000\r\n${'x'.repeat(4096)}\r\n1000\r\n${'x'.repeat(4096)}\r\n0\r\n\r\n`), status: 413, code: '413', closes: true, backendSees: 'nothing' },
  { name: 'a chunked body that grows over maxBodyBytes (streamed API)', send: () => req('POST', '/p/v1/x', [['Transfer-Encoding', 'chunked']], `1000\r\n${'x'.repeat(4096)}\r\n1000\r\n${'x'.repeat(4096)}\r\n0\r\n\r\n`), status: 413, code: '413', closes: true },
];

const XML = 'application/xml';
const PAYLOADS: Row[] = [
  { name: 'XML with a DOCTYPE', send: () => post('/h/xml', XML, '<!DOCTYPE r><r/>'), status: 400, code: '601000' },
  { name: 'XXE: an external entity naming a local file', send: () => post('/h/xml', XML, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'), status: 400, code: '601000', check: (a) => expect(a.body).not.toContain('root:') },
  { name: 'XXE: an external entity naming a URL', send: () => post('/h/xml', XML, `<!DOCTYPE r [<!ENTITY x SYSTEM "${attackerUrl()}/xxe">]><r>&x;</r>`), status: 400, code: '601000' },
  { name: 'XXE: an external DTD', send: () => post('/h/xml', XML, `<!DOCTYPE r SYSTEM "${attackerUrl()}/evil.dtd"><r/>`), status: 400, code: '601000' },
  { name: 'XXE: a parameter entity', send: () => post('/h/xml', XML, `<!DOCTYPE r [<!ENTITY % p SYSTEM "${attackerUrl()}/p.dtd"> %p;]><r/>`), status: 400, code: '601000' },
  {
    name: 'billion laughs (nested entity expansion)',
    send: () => post('/h/xml', XML, `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><lolz>&lol9;</lolz>`),
    status: 400,
    code: '601000',
  },
  { name: 'a DOCTYPE inside a SOAP envelope', send: () => post('/h/xml', 'text/xml', '<!DOCTYPE e><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>'), status: 400, code: '601000' },
  { name: 'an undeclared entity reference', send: () => post('/h/xml', XML, '<r>&x;</r>'), status: 400, code: '601000' },
  { name: 'two root elements', send: () => post('/h/xml', XML, '<a/><b/>'), status: 400, code: '601000' },
  { name: 'content after the root element', send: () => post('/h/xml', XML, '<a/>trailing'), status: 400, code: '601000' },
  { name: 'an unclosed element', send: () => post('/h/xml', XML, '<a><b></a>'), status: 400, code: '601000' },
  { name: 'XML nested deeper than maxXmlDepth', send: () => post('/h/xml', XML, nested(17)), status: 400, code: '601000' },
  { name: 'XML nested exactly maxXmlDepth deep passes', send: () => post('/h/xml', XML, nested(16)), status: 200, code: null, check: (a) => expect(JSON.parse(a.body)).toEqual({ elements: 2 + 16 }) },
  { name: 'an unclosed nesting far past maxXmlDepth is refused at once', send: () => post('/h/xml', XML, '<a>'.repeat(1000)), status: 400, code: '601000' },
  { name: 'more elements than maxXmlElements', send: () => post('/h/xml', XML, `<r>${'<i/>'.repeat(200)}</r>`), status: 400, code: '601000' },
  { name: 'more attributes than maxXmlAttributes', send: () => post('/h/xml', XML, `<r ${Array.from({ length: 9 }, (_, i) => `a${i}="1"`).join(' ')}/>`), status: 400, code: '601000' },
  {
    name: 'XInclude is not processed: the element is data',
    send: () => post('/h/xml', XML, '<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>'),
    status: 200,
    code: null,
    // SOAP Envelope and Body, then <r> and <xi:include> as they came.
    check: (a) => expect(JSON.parse(a.body)).toEqual({ elements: 4 }),
  },
  { name: 'malformed JSON', send: () => post('/h/json', 'application/json', '{"a": '), status: 400, code: '601000' },
  { name: 'JSON nested deeper than maxJsonDepth', send: () => post('/h/json', 'application/json', `${'['.repeat(17)}${']'.repeat(17)}`), status: 400, code: '601000' },
  { name: 'JSON nested very deep', send: () => post('/h/json', 'application/json', `${'['.repeat(2000)}${']'.repeat(2000)}`), status: 400, code: '601000' },
  { name: 'JSON with more values than maxJsonValues', send: () => post('/h/json', 'application/json', `[${Array(201).fill(0).join(',')}]`), status: 400, code: '601000' },
  { name: 'a form with more fields than maxXmlElements', send: () => post('/h/form', 'application/x-www-form-urlencoded', Array(300).fill('a').join('&')), status: 400, code: '601000' },
  {
    name: 'JSON with __proto__ and constructor keys: data, never a prototype',
    send: () => post('/h/json', 'application/json', '{"a":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
    status: 200,
    code: null,
    check: (a) => expect(JSON.parse(a.body)).toEqual(JSON.parse('{"a":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}')),
  },
  {
    name: 'XML → JSON with __proto__ and constructor elements: data, never a prototype',
    send: () => post('/h/tojson', XML, '<jsonObject><__proto__><polluted>yes</polluted></__proto__><constructor><prototype><polluted>yes</polluted></prototype></constructor></jsonObject>'),
    status: 200,
    code: null,
    check: (a) => expect(a.body).toBe('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
  },
];

const INJECTION: Row[] = [
  { name: 'CR LF from a path variable into a header (header mediator)', send: () => req('GET', '/h/hdr/a%0d%0aSet-Cookie%3A%20x%3D1'), status: 500, code: '0', check: (a) => expect(a.headers['set-cookie']).toBeUndefined() },
  { name: 'a lone LF from a path variable into a header', send: () => req('GET', '/h/hdr/a%0ab'), status: 500, code: '0' },
  { name: 'NUL from a path variable into a header', send: () => req('GET', '/h/hdr/a%00b'), status: 500, code: '0' },
  { name: 'CR LF from a query parameter into a transport property', send: () => req('GET', '/h/prop?v=a%0d%0aX-Injected:%201'), status: 500, code: '0', check: (a) => expect(a.headers['x-injected']).toBeUndefined() },
  { name: 'an invalid header name from the request (script mc.setHeader)', send: () => req('GET', '/h/name/X%20Bad%3A'), status: 500, code: '0' },
  { name: 'a harmless value passes the same mediators', send: () => req('GET', '/h/hdr/fine'), status: 200, code: null, check: (a) => expect(a.headers['x-echo']).toBe('fine') },
];

const TRAVERSAL: Row[] = [
  { name: '../ in the path of a streamed API', send: () => req('GET', '/p/v1/../../etc/passwd'), status: 400, code: '0', backendSees: 'nothing' },
  { name: '%2e%2e/ in the path of a streamed API', send: () => req('GET', '/p/v1/%2e%2e/%2e%2e/admin'), status: 400, code: '0', backendSees: 'nothing' },
  { name: '"//host" in the path stays a path on the endpoint', send: () => req('GET', `/p/v1//127.0.0.1:1/x`), status: 200, code: null, check: () => expect(backend.last.url).toBe('/base//127.0.0.1:1/x') },
  { name: 'a uri-template variable of ".." (percent-encoded in the request)', send: () => req('GET', '/h/tpl/%2e%2e'), status: 400, code: '0', backendSees: 'nothing' },
  { name: 'a reserved-expansion variable climbing out of the base path', send: () => req('GET', '/h/rtpl/a/../../admin'), status: 400, code: '0', backendSees: 'nothing' },
  { name: 'a variable holding a URL stays encoded in the path: host and port unchanged', send: () => req('GET', `/h/tpl/${encodeURIComponent(`${attackerUrl()}/x`)}`), status: 200, code: null, check: () => expect(backend.last.url).toBe(`/base/${encodeURIComponent(`${attackerUrl()}/x`)}`) },
  { name: 'a variable with "@host" stays in the path', send: () => req('GET', '/h/tpl/%40evil.test'), status: 200, code: null, check: () => expect(backend.last.url).toBe('/base/%40evil.test') },
  { name: 'an encoded slash in a variable stays inside its segment', send: () => req('GET', '/h/tpl/a%2F..%2Fb'), status: 200, code: null, check: () => expect(backend.last.url).toBe('/base/a%2F..%2Fb') },
];

const FORWARDING: Row[] = [
  {
    name: 'framing and hop-by-hop headers are not forwarded: the backend gets a framing of the gateway’s own',
    send: () => req('POST', '/h/send', [['Transfer-Encoding', 'chunked'], ['Connection', 'keep-alive, X-Hop'], ['X-Hop', 'secret-hop'], ['Keep-Alive', 'timeout=999'], ['TE', 'trailers'], ['Content-Type', 'text/plain']], '4\r\nabcd\r\n0\r\n\r\n'),
    status: 200,
    code: null,
    check: () => {
      const seen = backend.last;
      expect(seen.body).toBe('abcd');
      expect(seen.headers['content-length']).toBe('4');
      expect(seen.headers['transfer-encoding']).toBeUndefined();
      expect(seen.headers['x-hop']).toBeUndefined();
      expect(seen.headers['keep-alive']).toBeUndefined();
      expect(seen.headers['te']).toBeUndefined();
    },
  },
  {
    name: 'a streamed body is re-framed too',
    send: () => req('POST', '/p/v1/up', [['Transfer-Encoding', 'chunked'], ['Connection', 'X-Hop'], ['X-Hop', 'secret-hop']], '3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n'),
    status: 200,
    code: null,
    check: () => {
      expect(backend.last.body).toBe('abcdef');
      expect(backend.last.headers['x-hop']).toBeUndefined();
    },
  },
  { name: 'OPTIONS * (the asterisk form) is not a path of any API', send: () => 'OPTIONS * HTTP/1.1\r\nHost: g\r\n\r\n', status: 404, code: '404', backendSees: 'nothing' },
  { name: 'TRACE on an API that does not allow it', send: () => req('TRACE', '/h/send'), status: 405, code: '405', backendSees: 'nothing' },
  { name: 'invalid percent-encoding in the path', send: () => req('GET', '/h/hdr/%zz'), status: 200, code: null, check: (a) => expect(a.headers['x-echo']).toBe('%zz') },
];

const TABLE: Array<[string, Row[]]> = [
  ['request framing and smuggling', FRAMING],
  ['sizes and counts', SIZES],
  ['payloads: XXE, entity expansion, limits, prototype pollution', PAYLOADS],
  ['header injection (CR, LF, NUL, names)', INJECTION],
  ['path traversal and backend URL tampering', TRAVERSAL],
  ['what reaches the backend', FORWARDING],
];

test('the table has at least 40 hostile requests', () => {
  expect(TABLE.flatMap(([, rows]) => rows).length).toBeGreaterThanOrEqual(40);
});

describe.each(TABLE)('%s', (_group, rows) => {
  test.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const before = backend.requests.length;
    const answer = await rawRequest(port, row.send(), { closeWaitMs: row.settleMs ?? (row.closes ? 1000 : 0) });
    expect(answer.timedOut, 'the gateway answered or closed in time').toBe(false);
    expect(answer.status).toBe(row.status);
    expect(answer.code).toBe(row.code);
    if (row.closes) expect(answer.closed, 'the connection was closed').toBe(true);
    if (answer.status !== null && answer.status >= 400 && row.code !== null) {
      expect(JSON.parse(answer.body)).toMatchObject({ code: row.code, type: 'Status report' });
    }
    expect(answer.body, 'no stack trace').not.toMatch(/\n\s+at |\bat .*\.(ts|js):\d+/);
    expect(answer.body).not.toContain('hostile-admin-secret');
    if (row.backendSees === 'nothing') expect(backend.requests.length - before, 'requests that reached the backend').toBe(0);
    if (row.backendSees === 'something') expect(backend.requests.length - before).toBeGreaterThan(0);
    row.check?.(answer);
  });
});

describe('slow clients are cut off (headersTimeoutMs 1000, requestTimeoutMs 1500)', () => {
  test.concurrent('headers that never finish: 408 and the connection is closed', async () => {
    const started = Date.now();
    const answer = await rawRequest(port, ['GET /p/v1/x HTTP/1.1\r\nHost: g\r\n', 400, 'X-A: 1\r\n', 400, 'X-B: 2\r\n', 5000], { timeoutMs: 6000 });
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test.concurrent('a body that trickles in: 408 and the connection is closed', async () => {
    const started = Date.now();
    const trickle = Array.from({ length: 20 }, () => ['x', 300] as const).flat();
    const answer = await rawRequest(port, [req('POST', '/h/send', [['Content-Length', '100'], ['Content-Type', 'text/plain']]), ...trickle], { timeoutMs: 8000 });
    expect(answer.status === 408 || answer.status === null).toBe(true);
    expect(answer.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test.concurrent('a client that connects and sends nothing is disconnected', async () => {
    const started = Date.now();
    const answer = await rawRequest(port, [6000], { timeoutMs: 7000 });
    expect(answer.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('after the table', () => {
  test('no external entity or redirected call ever reached the attacker’s server', () => {
    expect(attackerHits).toBe(0);
  });

  test('no prototype was polluted in the gateway process', () => {
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  test('the gateway still serves an ordinary request', async () => {
    const answer = await rawRequest(port, req('GET', '/p/v1/still-fine'));
    expect(answer.status).toBe(200);
    expect(backend.last.url).toBe('/base/still-fine');
  });
});
