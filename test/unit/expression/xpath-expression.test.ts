import { describe, expect, it } from 'vitest';
import { ExpressionError, PayloadError } from '../../../engine/errors.js';
import { stringValueOf, XPathExpression } from '../../../engine/expression/xpath-expression.js';
import { xpath } from '../../../engine/expression/xpath-lib.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { convertValue, JavaNumber, JsonProperty } from '../../../engine/message/typed-value.js';
import { parseXml } from '../../../engine/xml/dom.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';

const NONE = new Map<string, string>();
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

function xp(source: string, namespaces: ReadonlyMap<string, string> = NONE): XPathExpression {
  return new XPathExpression(source, namespaces);
}

function str(source: string, mc: MessageContext = makeMessage(), namespaces: ReadonlyMap<string, string> = NONE): string | null {
  return xp(source, namespaces).stringValue(mc);
}

function xml(body: string, extra: Parameters<typeof makeMessage>[0] = {}): MessageContext {
  return makeMessage({ body, contentType: 'application/xml', ...extra });
}

const QUOTE = `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Header><m:symbol xmlns:m="urn:m">HDR</m:symbol></soapenv:Header><soapenv:Body><m:getQuote xmlns:m="urn:m"><m:symbol>IBM</m:symbol></m:getQuote></soapenv:Body></soapenv:Envelope>`;

describe('XPath context (reference §3.2.1)', () => {
  it('uses the SOAP envelope as the context node', () => {
    const mc = xml('<order><id>7</id></order>');
    expect(str('local-name(.)', mc)).toBe('Envelope');
    expect(str('local-name(/*)', mc)).toBe('Envelope');
    const ns = new Map([['soapenv', SOAP11]]);
    expect(str('/soapenv:Envelope/soapenv:Body/order/id', mc, ns)).toBe('7');
  });

  it('wraps a plain XML payload into a body, so $body/... and //... both reach it', () => {
    const mc = xml('<order><id>7</id></order>');
    expect(str('$body/order/id', mc)).toBe('7');
    expect(str('//id', mc)).toBe('7');
  });

  it('searches the whole envelope with //, headers included', () => {
    const mc = makeMessage({ body: QUOTE, contentType: 'text/xml' });
    const ns = new Map([['m', 'urn:m']]);
    expect(str('count(//m:symbol)', mc, ns)).toBe('2.0');
    expect(str('$body//m:symbol', mc, ns)).toBe('IBM');
    expect(str('$header/m:symbol', mc, ns)).toBe('HDR');
  });

  it('never applies a default namespace to unprefixed names', () => {
    const mc = xml('<order xmlns="urn:o"><id>7</id></order>');
    expect(str('//order', mc)).toBe('');
    expect(str('//o:order/o:id', mc, new Map([['o', 'urn:o']]))).toBe('7');
  });

  it('evaluates JSON payloads against their <jsonObject> infoset', () => {
    const mc = makeMessage({ body: '{"name":"n","tags":["a","b"]}', contentType: 'application/json' });
    expect(str('//name', mc)).toBe('n');
    expect(str('$body/jsonObject/name', mc)).toBe('n');
    expect(str('count($body/jsonObject/tags)', mc)).toBe('2.0');
  });

  it('refuses an undeclared prefix in a location path', () => {
    expect(() => xp('//foo:bar')).toThrow(ExpressionError);
    expect(() => xp('//foo:bar')).toThrow(/foo/);
  });

  it('accepts the xml prefix without a declaration', () => {
    const mc = xml('<a xml:lang="en">x</a>');
    expect(str('//a/@xml:lang', mc)).toBe('en');
  });
});

describe('function resolution (reference §3.2.4)', () => {
  it('resolves an undeclared fn: prefix to the XPath 1.0 core functions', () => {
    expect(str("fn:concat('a', 'b', 'c')")).toBe('abc');
    expect(str("fn:substring('hello', 2, 3)")).toBe('ell');
    expect(str("fn:string-length('abcd')")).toBe('4.0');
  });

  it('fails when fn is declared as the XPath 2.0 function namespace', () => {
    const ns = new Map([['fn', 'http://www.w3.org/2005/xpath-functions']]);
    expect(() => xp("fn:concat('a', 'b')", ns)).toThrow(ExpressionError);
    expect(() => xp("fn:concat('a', 'b')", ns)).toThrow(/fn:concat/);
  });

  it("has Jaxen's upper-case, lower-case and ends-with, with or without fn:", () => {
    expect(str("upper-case('abC')")).toBe('ABC');
    expect(str("fn:upper-case('abC')")).toBe('ABC');
    expect(str("lower-case('AbC')")).toBe('abc');
    expect(str("fn:lower-case('AbC')")).toBe('abc');
    expect(str("ends-with('order.xml', '.xml')")).toBe('true');
    expect(str("fn:ends-with('order.xml', '.json')")).toBe('false');
  });

  it('refuses other XPath 2.0 functions', () => {
    expect(() => xp("fn:replace('a', 'a', 'b')")).toThrow(ExpressionError);
    expect(() => xp('fn:current-dateTime()')).toThrow(ExpressionError);
    expect(() => xp("tokenize('a,b', ',')")).toThrow(/tokenize/);
  });

  it('matches Synapse functions by local name whatever the prefix', () => {
    const mc = makeMessage({ properties: { p: 'v' } });
    const declared = new Map([['synapse', 'http://ws.apache.org/ns/synapse']]);
    expect(str("get-property('p')", mc)).toBe('v');
    expect(str("synapse:get-property('p')", mc, declared)).toBe('v');
    expect(str("syn:get-property('p')", mc)).toBe('v');
    expect(str("x:base64Encode('a')", mc)).toBe('YQ==');
  });

  it('refuses encrypt() and decrypt() when the sequence loads', () => {
    expect(() => xp("encrypt('a')")).toThrow(/secure vault/);
    expect(() => xp("decrypt('a')")).toThrow(/secure vault/);
  });

  it('refuses an unknown function', () => {
    expect(() => xp("no-such-function('a')")).toThrow(ExpressionError);
  });

  it('refuses a function in a declared namespace that has no such function', () => {
    expect(() => xp("m:foo('a')", new Map([['m', 'urn:m']]))).toThrow(/m:foo/);
  });

  it('offers the XPath 1.0 core functions', () => {
    expect(str("normalize-space('  a   b ')")).toBe('a b');
    expect(str("translate('abc', 'b', 'B')")).toBe('aBc');
    expect(str("substring-before('a/b', '/')")).toBe('a');
    expect(str("substring-after('a/b', '/')")).toBe('b');
    expect(str("contains('abc', 'b')")).toBe('true');
    expect(str("starts-with('abc', 'b')")).toBe('false');
    expect(str('not(true())')).toBe('false');
    expect(str('floor(2.7)')).toBe('2.0');
    expect(str('ceiling(2.1)')).toBe('3.0');
    expect(str('round(2.5)')).toBe('3.0');
    expect(str("number('12')")).toBe('12.0');
    expect(str("boolean('')")).toBe('false');
    const mc = xml('<r><i>1</i><i>2</i></r>');
    expect(str('name($body/*)', mc)).toBe('r');
    expect(str('$body/r/i[last()]', mc)).toBe('2');
    expect(str('$body/r/i[position() = 1]', mc)).toBe('1');
  });
});

describe('Synapse variables (reference §3.4)', () => {
  it('$body, $header and $env are the body, header and envelope elements', () => {
    const mc = makeMessage({ body: QUOTE, contentType: 'text/xml' });
    expect(str('local-name($body)', mc)).toBe('Body');
    expect(str('local-name($header)', mc)).toBe('Header');
    expect(str('local-name($env)', mc)).toBe('Envelope');
    expect(str('namespace-uri($env)', mc)).toBe(SOAP11);
  });

  it('$header is empty when the envelope has no header', () => {
    const mc = xml('<a/>');
    expect(str('$header', mc)).toBe('');
    expect(str('count($header)', mc)).toBe('0.0');
  });

  it('$ctx: reads the default-scope property raw, and null when it is missing', () => {
    const mc = makeMessage({ properties: { p: 'v', n: new JavaNumber('LONG', 5) } });
    expect(str('$ctx:p', mc)).toBe('v');
    expect(str('$ctx:n', mc)).toBe('5');
    expect(str('$ctx:missing', mc)).toBeNull();
  });

  it('$ctx: has no special names and no local-entry fallback', () => {
    const runtime = makeRuntime({ artifacts: { sequence: () => undefined, localEntry: (k) => (k === 'le' ? 'entry' : undefined), endpoint: () => undefined } });
    const mc = makeMessage({ runtime, to: '/orders' });
    expect(str("get-property('To')", mc)).toBe('/orders');
    expect(str('$ctx:To', mc)).toBeNull();
    expect(str("get-property('le')", mc)).toBe('entry');
    expect(str('$ctx:le', mc)).toBeNull();
  });

  it('$ctx: of an XML property is its serialised XML', () => {
    const mc = makeMessage({ properties: { om: parseXml('<o><i>1</i></o>').documentElement! } });
    expect(str('$ctx:om', mc)).toBe('<o><i>1</i></o>');
    expect(str('$ctx:om/i', mc)).toBe('1');
  });

  it('$trp: reads a transport header case-insensitively, null when absent', () => {
    const mc = makeMessage({ headers: { 'X-Request-Id': 'r1' } });
    expect(str('$trp:X-Request-Id', mc)).toBe('r1');
    expect(str('$trp:x-request-id', mc)).toBe('r1');
    expect(str('$trp:X-Missing', mc)).toBeNull();
  });

  it('$axis2: reads an axis2 property, null when absent', () => {
    const mc = makeMessage({ method: 'put' });
    mc.axis2.set('REST_URL_POSTFIX', '/a?b=1');
    expect(str('$axis2:HTTP_METHOD', mc)).toBe('PUT');
    expect(str('$axis2:REST_URL_POSTFIX', mc)).toBe('/a?b=1');
    expect(str('$axis2:missing', mc)).toBeNull();
  });

  it('$operation: reads an operation-scope property', () => {
    const mc = makeMessage();
    mc.operation.set('shared', 'yes');
    expect(str('$operation:shared', mc)).toBe('yes');
    expect(str('$operation:missing', mc)).toBeNull();
  });

  it('$url: is a query parameter of To, matched case-insensitively, decoded, "" when missing', () => {
    const mc = makeMessage({ to: '/orders?Name=a%20b&plus=x+y&utf=%C3%BC' });
    expect(str('$url:name', mc)).toBe('a b');
    expect(str('$url:NAME', mc)).toBe('a b');
    expect(str('$url:plus', mc)).toBe('x y');
    expect(str('$url:utf', mc)).toBe('ü');
    expect(str('$url:missing', mc)).toBe('');
    expect(str('$url:name', makeMessage({ to: '/orders' }))).toBe('');
    const none = makeMessage();
    none.to = null;
    expect(str('$url:name', none)).toBe('');
  });

  it('$sys:, $func: and $var: are empty', () => {
    expect(str('$sys:user.home')).toBe('');
    expect(str('$func:param')).toBe('');
    expect(str('$var:x')).toBe('');
  });

  it('$prefix:name reads an entry of a Map property named prefix, stringified', () => {
    const mc = makeMessage({ properties: { claims: new Map<string, unknown>([['sub', 'alice'], ['n', 5]]) } });
    expect(str('$claims:sub', mc)).toBe('alice');
    expect(str('$claims:n', mc)).toBe('5');
  });

  it('$prefix:name fails when the property is not a Map', () => {
    const mc = makeMessage({ properties: { claims: 'text' } });
    expect(() => str('$claims:sub', mc)).toThrow(ExpressionError);
    expect(() => str('$nothing:sub', mc)).toThrow(/unresolvable variable/);
  });

  it('refuses an unprefixed variable other than $body, $header and $env at compile time', () => {
    expect(() => xp('$foo')).toThrow(ExpressionError);
    expect(() => xp('$foo')).toThrow(/\$foo/);
  });
});

describe('null semantics (reference §3.2.2, §3.2.3)', () => {
  it('get-property of a missing name is null, not ""', () => {
    const mc = makeMessage();
    const e = xp("get-property('missing')");
    expect(e.stringValue(mc)).toBeNull();
    expect(e.rawValue(mc)).toBeNull();
    expect(e.booleanValue(mc)).toBe(false);
  });

  it('a parenthesised null is still null', () => {
    expect(str("(get-property('missing'))")).toBeNull();
  });

  it('= and != against null are both false', () => {
    expect(str("get-property('missing') = ''")).toBe('false');
    expect(str("get-property('missing') != ''")).toBe('false');
    expect(str("get-property('missing') = 'x'")).toBe('false');
    expect(str("'x' != get-property('missing')")).toBe('false');
  });

  it('null inside a string function reads as ""', () => {
    expect(str("concat('a', get-property('missing'), 'b')")).toBe('ab');
    expect(str("string(get-property('missing'))")).toBe('');
    expect(str("string-length(get-property('missing'))")).toBe('0.0');
  });

  it('an empty node-set is "" (not null)', () => {
    const mc = xml('<a/>');
    expect(str('//nothing', mc)).toBe('');
    expect(str('$body/a/b', mc)).toBe('');
  });
});

describe('string value of results (reference §3.2.2)', () => {
  it('prints numbers as Java doubles', () => {
    const mc = xml('<r><n>1000</n><n>500</n></r>');
    expect(str('sum(//n)', mc)).toBe('1500.0');
    expect(str('count(//n)', mc)).toBe('2.0');
    expect(str('1 + 1')).toBe('2.0');
    expect(str('1700000000000')).toBe('1.7E12');
    expect(str('0.0001')).toBe('1.0E-4');
    expect(str('0.001')).toBe('0.001');
    expect(str('1 div 0')).toBe('Infinity');
    expect(str('-1 div 0')).toBe('-Infinity');
    expect(str('0 div 0')).toBe('NaN');
  });

  it("string() is XPath's conversion, not Java's", () => {
    expect(str('string(3)')).toBe('3');
    expect(str('string(1700000000000)')).toBe('1700000000000');
  });

  it('prints booleans as true/false', () => {
    expect(str('1 = 1')).toBe('true');
    expect(str('1 = 2')).toBe('false');
  });

  it('returns the toString of a non-string get-property value', () => {
    const mc = makeMessage({
      properties: {
        lng: new JavaNumber('LONG', 5),
        dbl: new JavaNumber('DOUBLE', 5),
        json: new JsonProperty({ a: [1, 'x'] }),
        flag: true,
        om: parseXml('<o><i>1</i></o>').documentElement!,
      },
    });
    expect(str("get-property('lng')", mc)).toBe('5');
    expect(str("get-property('dbl')", mc)).toBe('5.0');
    expect(str("get-property('json')", mc)).toBe('{"a":[1,"x"]}');
    expect(str("get-property('flag')", mc)).toBe('true');
    expect(str("get-property('om')", mc)).toBe('<o><i>1</i></o>');
  });

  it('gives the trimmed direct text of a single element', () => {
    const mc = xml('<r><a>  hello  </a><b>\u00a0spaced\u00a0</b><c>text<d>child</d>more</c></r>');
    expect(str('//a', mc)).toBe('hello');
    expect(str('//b', mc)).toBe('spaced');
    expect(str('//c', mc)).toBe('textmore');
  });

  it('serialises a single element whose own text is empty or whitespace', () => {
    const mc = xml('<r><b><c>1</c></b><w> <x/> </w><e/></r>');
    expect(str('//b', mc)).toBe('<b><c>1</c></b>');
    expect(str('//w', mc)).toBe('<w> <x/> </w>');
    expect(str('//e', mc)).toBe('<e/>');
  });

  it('serialises each element of a several-node result and concatenates them', () => {
    const mc = xml('<r><x>a</x><x>b</x></r>');
    expect(str('//x', mc)).toBe('<x>a</x><x>b</x>');
  });

  it('serialises a single element when the expression contains node()', () => {
    const mc = xml('<r><a>x</a></r>');
    expect(str('$body/node()', mc)).toBe('<r><a>x</a></r>');
    expect(str('$body/r/node()', mc)).toBe('<a>x</a>');
  });

  it('concatenates text nodes and attribute values', () => {
    const mc = xml('<r><x id="1">a</x><x id="2">b</x></r>');
    expect(str('//x/text()', mc)).toBe('ab');
    expect(str('//x/@id', mc)).toBe('12');
    expect(str('//x[2]/@id', mc)).toBe('2');
  });

  it('serialises the document element for /', () => {
    const mc = xml('<a>x</a>');
    const text = str('/', mc)!;
    expect(text.startsWith('<soapenv:Envelope')).toBe(true);
    expect(text).toContain('<a>x</a>');
  });

  it('stringValueOf maps an XPath string as it is and a raw null to null', () => {
    expect(stringValueOf(new xpath.XString('x'), false)).toBe('x');
    expect(stringValueOf(new xpath.XNumber(3), false)).toBe('3.0');
    expect(stringValueOf(new xpath.XBoolean(false), false)).toBe('false');
  });
});

describe('numbers and booleans inside XPath (reference §3.2.3)', () => {
  const expiry = "get-property('SYSTEM_TIME') - get-property('generated-time') > 3600000";

  it('uses a LONG property as a number: the token-expiry test is true when old, false when recent', () => {
    const now = 1_700_000_000_000;
    const runtime = makeRuntime({ now: () => now });
    const old = makeMessage({ runtime, properties: { 'generated-time': new JavaNumber('LONG', now - 3_600_001) } });
    const recent = makeMessage({ runtime, properties: { 'generated-time': new JavaNumber('LONG', now - 1_000) } });
    const boundary = makeMessage({ runtime, properties: { 'generated-time': new JavaNumber('LONG', now - 3_600_000) } });
    expect(xp(expiry).booleanValue(old)).toBe(true);
    expect(xp(expiry).booleanValue(recent)).toBe(false);
    expect(xp(expiry).booleanValue(boundary)).toBe(false);
  });

  it('uses a LONG converted by the property rules the same way', () => {
    const now = 1_700_000_000_000;
    const runtime = makeRuntime({ now: () => now });
    const generated = convertValue(String(now - 7_200_000), 'LONG', 'generated-time');
    const mc = makeMessage({ runtime, properties: { 'generated-time': generated } });
    expect(xp(expiry).booleanValue(mc)).toBe(true);
    expect(str("get-property('SYSTEM_TIME') - get-property('generated-time')", mc)).toBe('7200000.0');
  });

  it('uses a DOUBLE whose Java text is in exponent form as its number', () => {
    const mc = makeMessage({ properties: { d: new JavaNumber('DOUBLE', 1.7e12), i: new JavaNumber('INTEGER', 7) } });
    expect(str("get-property('d')", mc)).toBe('1.7E12');
    expect(str("get-property('d') + 1", mc)).toBe('1.700000000001E12');
    expect(str("get-property('d') > 1000", mc)).toBe('true');
    expect(str("number(get-property('d')) = 1700000000000", mc)).toBe('true');
    expect(str('$ctx:i * 2', mc)).toBe('14.0');
    expect(str('-$ctx:i', mc)).toBe('-7.0');
  });

  it('compares a typed number with a string or a number', () => {
    const mc = makeMessage({ properties: { n: new JavaNumber('LONG', 5) } });
    expect(str("get-property('n') = 5", mc)).toBe('true');
    expect(str("get-property('n') = '5'", mc)).toBe('true');
    expect(str("get-property('n') < 4", mc)).toBe('false');
  });

  it('reads numeric strings as numbers and anything else as NaN', () => {
    const mc = makeMessage({ properties: { s: '40', t: 'abc' } });
    expect(str("get-property('s') + 2", mc)).toBe('42.0');
    expect(str("get-property('t') + 2", mc)).toBe('NaN');
    expect(str("get-property('t') > 1 or get-property('t') <= 1", mc)).toBe('false');
  });

  it('converts to boolean by XPath rules: any non-empty string is true', () => {
    expect(xp("'false'").booleanValue(makeMessage())).toBe(true);
    expect(xp("''").booleanValue(makeMessage())).toBe(false);
    expect(xp('0').booleanValue(makeMessage())).toBe(false);
    expect(xp('0 div 0').booleanValue(makeMessage())).toBe(false);
    expect(xp('2').booleanValue(makeMessage())).toBe(true);
    expect(xp("get-property('f')").booleanValue(makeMessage({ properties: { f: 'false' } }))).toBe(true);
    expect(xp('//a').booleanValue(xml('<a/>'))).toBe(true);
    expect(xp('//b').booleanValue(xml('<a/>'))).toBe(false);
  });
});

describe('content-aware detection', () => {
  // A payload that cannot be parsed: touching it would throw, so passing means it was never parsed.
  const broken = () => makeMessage({ body: '<<< not xml', contentType: 'application/xml', headers: { 'X-A': 'a' }, to: '/p?q=1', properties: { p: 'v' } });

  it.each([
    "get-property('p')",
    "get-property('To')",
    "get-property('SYSTEM_TIME') - 5",
    '$ctx:p',
    '$trp:X-A',
    '$axis2:HTTP_METHOD',
    '$url:q',
    "concat($ctx:p, '-', get-property('transport', 'X-A'))",
    "string-length('abc')",
    "string(get-property('p'))",
    "upper-case($ctx:p)",
    'true()',
    "base64Encode('x')",
    'position()',
  ])('%s never parses the payload', (source) => {
    const mc = broken();
    const e = xp(source);
    expect(e.contentAware).toBe(false);
    e.stringValue(mc);
    e.booleanValue(mc);
    expect(mc.payload.isRaw).toBe(true);
  });

  it.each(['//a', '$body/a', '$header', '$env', '.', '/', 'string()', 'name()', 'local-name()', "lang('en')", 'count(//a)'])(
    '%s is content-aware and parses the payload',
    (source) => {
      expect(xp(source).contentAware).toBe(true);
      expect(() => xp(source).stringValue(broken())).toThrow(PayloadError);
      const mc = xml('<a>x</a>');
      xp(source).stringValue(mc);
      expect(mc.payload.isRaw).toBe(false);
    },
  );

  it('reports a malformed payload met by a content-aware expression with Synapse code 601000', () => {
    try {
      xp('//a').stringValue(broken());
      expect.unreachable('the payload is malformed');
    } catch (err) {
      expect(err).toBeInstanceOf(PayloadError);
      expect((err as PayloadError).errorCode).toBe(601000);
    }
  });

  it("lang() reads the envelope's xml:lang", () => {
    const body = `<soapenv:Envelope xmlns:soapenv="${SOAP11}" xml:lang="en"><soapenv:Body/></soapenv:Envelope>`;
    expect(str("lang('en')", makeMessage({ body, contentType: 'text/xml' }))).toBe('true');
  });
});

describe('nodes() and rawValue()', () => {
  it('nodes() returns the selected nodes', () => {
    const mc = xml('<r><i>1</i><i>2</i></r>');
    const nodes = xp('//i').nodes(mc);
    expect(nodes).toHaveLength(2);
    expect(nodes.map((n) => n.textContent)).toEqual(['1', '2']);
    expect(xp("'x'").nodes(mc)).toEqual([]);
  });

  it("rawValue() is a property's own object for a plain lookup", () => {
    const om = parseXml('<o>1</o>').documentElement!;
    const mc = makeMessage({ properties: { om, s: 'v' } });
    expect(xp("get-property('om')").rawValue(mc)).toBe(om);
    expect(xp('$ctx:om').rawValue(mc)).toBe(om);
    expect(xp("get-property('s')").rawValue(mc)).toBe('v');
    expect(xp("get-property('missing')").rawValue(mc)).toBeNull();
    expect(xp("concat('a', 'b')").rawValue(mc)).toBe('ab');
  });
});

describe('evaluation errors', () => {
  it('wraps errors raised while evaluating in ExpressionError', () => {
    expect(() => str("get-property('a', 'b', 'c', 'd')")).toThrow(ExpressionError);
    expect(() => str("base64Encode('a', 'no-such-charset')")).toThrow(/charset/);
  });

  it('reports a type error with the Synapse wording and the expression', () => {
    const mc = makeMessage({ properties: { p: 'text' } });
    expect(() => str('$ctx:p/a', mc)).toThrow(ExpressionError);
    expect(() => str('$ctx:p/a', mc)).toThrow(/Evaluation of the XPath expression "\$ctx:p\/a" resulted in an error/i);
  });

  it('keeps the source text', () => {
    expect(xp("get-property('a')").source).toBe("get-property('a')");
    expect(xp('//a').kind).toBe('xpath');
  });
});
