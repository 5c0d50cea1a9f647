import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../engine/errors.js';
import { XPathExpression } from '../../../engine/expression/xpath-expression.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { JavaNumber, JsonProperty } from '../../../engine/message/typed-value.js';
import { parseXml } from '../../../engine/xml/dom.js';
import { makeMessage, makeRuntime, MemoryRegistry } from '../../support/runtime.js';

const NONE = new Map<string, string>();
const NOW = 1_700_000_000_000;

function fast(source: string, namespaces: ReadonlyMap<string, string> = NONE): XPathExpression {
  const e = new XPathExpression(source, namespaces);
  expect(e.fastPath, `${source} is on the fast path`).toBe(true);
  return e;
}

function library(source: string, namespaces: ReadonlyMap<string, string> = NONE): XPathExpression {
  return new XPathExpression(source, namespaces, { fastPath: false });
}

function message(properties: Record<string, unknown> = {}): MessageContext {
  const registry = new MemoryRegistry();
  void registry.write('gov:/creds/token', 'tok-1');
  void registry.write('gov:/creds/meta', 'x', 'owner');
  const mc = makeMessage({ runtime: makeRuntime({ now: () => NOW, registry }), properties, headers: { 'X-Trace': 'abc' } });
  mc.axis2.set('REST_URL_POSTFIX', '/orders/7');
  return mc;
}

const str = (source: string, mc = message()) => fast(source).stringValue(mc);
const bool = (source: string, mc = message()) => fast(source).booleanValue(mc);

describe('XPath fast path: lookups', () => {
  it('get-property with one literal argument reads the default scope, null when unset', () => {
    const mc = message({ p: 'v' });
    expect(str("get-property('p')", mc)).toBe('v');
    expect(fast("get-property('missing')").stringValue(mc)).toBeNull();
    expect(fast("get-property('missing')").rawValue(mc)).toBeNull();
    expect(fast("get-property('missing')").booleanValue(mc)).toBe(false);
    expect(fast("get-property('missing')").nodes(mc)).toEqual([]);
    expect(str("get-property('To')", mc)).toBe('/test');
  });

  it('get-property with a scope reads that scope, the registry included', () => {
    const mc = message();
    expect(str("get-property('registry', 'gov:/creds/token')", mc)).toBe('tok-1');
    expect(str("get-property('registry', 'gov:/creds/meta@owner')", mc)).toBe('x');
    expect(str("get-property('registry', 'gov:/creds/none')", mc)).toBe('');
    expect(str("get-property('axis2', 'REST_URL_POSTFIX')", mc)).toBe('/orders/7');
    expect(str("get-property('transport', 'x-trace')", mc)).toBe('abc');
    expect(fast("get-property('transport', 'X-None')").stringValue(mc)).toBeNull();
  });

  it('get-property answers SYSTEM_TIME and SYSTEM_DATE', () => {
    expect(str("get-property('SYSTEM_TIME')")).toBe(String(NOW));
    expect(str("get-property('SYSTEM_DATE', 'yyyy')")).toBe(String(new Date(NOW).getFullYear()));
  });

  it('get-property takes computed arguments too', () => {
    const mc = message({ which: 'target', target: 'found', n1: 'one' });
    expect(str("get-property(get-property('which'))", mc)).toBe('found');
    expect(str("get-property(concat('n', 1))", mc)).toBe('one');
  });

  it("rawValue is the property's own object; its string value is Synapse's", () => {
    const om = parseXml('<o><i>1</i></o>').documentElement!;
    const mc = message({ om, lng: new JavaNumber('LONG', 5), dbl: new JavaNumber('DOUBLE', 5), flag: true, json: new JsonProperty({ a: 1 }) });
    expect(fast("get-property('om')").rawValue(mc)).toBe(om);
    expect(fast('$ctx:om').rawValue(mc)).toBe(om);
    expect(fast('$ctx:om').nodes(mc)).toEqual([om]);
    expect(str("get-property('om')", mc)).toBe('<o><i>1</i></o>');
    expect(str("get-property('lng')", mc)).toBe('5');
    expect(str("get-property('dbl')", mc)).toBe('5.0');
    expect(str("get-property('flag')", mc)).toBe('true');
    expect(str("get-property('json')", mc)).toBe('{"a":1}');
  });

  it('$ctx:, $trp: and $axis2: read their scopes', () => {
    const mc = message({ p: 'v' });
    expect(str('$ctx:p', mc)).toBe('v');
    expect(fast('$ctx:missing').stringValue(mc)).toBeNull();
    expect(str('$trp:X-Trace', mc)).toBe('abc');
    expect(str('$axis2:REST_URL_POSTFIX', mc)).toBe('/orders/7');
    expect(str("concat($ctx:p, '|', $trp:x-trace, '|', $axis2:HTTP_METHOD)", mc)).toBe('v|abc|POST');
  });

  it('a declared prefix reaches the Synapse variable its namespace is declared for', () => {
    const ns = new Map([['c', 'urn:same'], ['ctx', 'urn:same']]);
    const mc = message({ p: 'v', c: new Map([['p', 'from the map']]) });
    expect(fast('$ctx:p', ns).stringValue(mc)).toBe(library('$ctx:p', ns).stringValue(mc));
  });

  it('reads $prefix:name from a Map property, and fails with the library\'s error when there is none', () => {
    const mc = message({ m: new Map([['k', 7]]) });
    expect(str('$m:k', mc)).toBe('7');
    expect(() => fast('$none:k').stringValue(mc)).toThrow(ExpressionError);
    expect(() => fast('$none:k').stringValue(mc)).toThrow(/unresolvable variable \$none:k/);
  });

  it('Synapse and Jaxen functions run their own implementations', () => {
    expect(str("base64Encode('user:pass')")).toBe('dXNlcjpwYXNz');
    expect(str("upper-case(get-property('p'))", message({ p: 'ab' }))).toBe('AB');
    expect(str("syn:get-property('p')", message({ p: 'v' }))).toBe('v');
    expect(() => str("base64Encode('a', 'no-such-charset')")).toThrow(ExpressionError);
  });
});

describe('XPath fast path: literals, concat and conversions', () => {
  it('prints number results as Java doubles and strings as they are', () => {
    expect(str("'text'")).toBe('text');
    expect(str('3')).toBe('3.0');
    expect(str('1.5')).toBe('1.5');
    expect(str('1700000000000')).toBe('1.7E12');
    expect(str('(0.0001)')).toBe('1.0E-4');
  });

  it('concat (with or without fn:) joins the XPath string values of its arguments', () => {
    const mc = message({ tok: 'abc', lng: new JavaNumber('LONG', 5), d: new JavaNumber('DOUBLE', 1.7e12) });
    expect(str("fn:concat('Bearer ', get-property('tok'))", mc)).toBe('Bearer abc');
    expect(str("concat('a', get-property('missing'), 'b')", mc)).toBe('ab');
    expect(str("concat(1, '|', 1700000000000, '|', 0.5, '|', 1 = 1)", mc)).toBe('1|1700000000000|0.5|true');
    expect(str("concat($ctx:lng, '|', $ctx:d)", mc)).toBe('5|1.7E12');
  });

  it('string(), number(), boolean() and not() follow XPath 1.0', () => {
    const mc = message({ lng: new JavaNumber('LONG', 5), s: ' 42 ' });
    expect(str('string(3)')).toBe('3');
    expect(str('string(1 = 1)')).toBe('true');
    expect(str("string(get-property('missing'))")).toBe('');
    expect(str("number(get-property('s'))", mc)).toBe('42.0');
    expect(str("number('1e3')")).toBe('NaN');
    expect(str('number(true())')).toBe('1.0');
    expect(str("string($ctx:lng) + 1", mc)).toBe('6.0');
    expect(bool("boolean('false')")).toBe(true);
    expect(bool("boolean('')")).toBe(false);
    expect(bool('boolean(0 div 0)')).toBe(false);
    expect(bool("not(get-property('missing'))")).toBe(true);
    expect(bool('true()')).toBe(true);
    expect(str('false()')).toBe('false');
  });
});

describe('XPath fast path: operators', () => {
  it('compares by XPath 1.0 rules: boolean, then number, then string', () => {
    expect(str("'1.0' = 1")).toBe('true');
    expect(str("'1.0' = '1'")).toBe('false');
    expect(str("'x' = true()")).toBe('true');
    expect(str("'' != false()")).toBe('false');
    expect(str('0 div 0 = 0 div 0')).toBe('false');
    expect(str('0 div 0 != 0 div 0')).toBe('true');
    expect(str("'abc' < 1 or 'abc' >= 1")).toBe('false');
    expect(str("'2' > '10'")).toBe('false');
    expect(str('true() > false()')).toBe('true');
    expect(str('2 <= 2 and 3 >= 4')).toBe('false');
  });

  it('compares a typed number as a number and as its Java text', () => {
    const mc = message({ n: new JavaNumber('LONG', 5), d: new JavaNumber('DOUBLE', 5) });
    expect(str("get-property('n') = 5", mc)).toBe('true');
    expect(str("get-property('n') = '5'", mc)).toBe('true');
    expect(str("get-property('d') = '5'", mc)).toBe('false');
    expect(str("get-property('d') = 5", mc)).toBe('true');
    expect(str("get-property('n') < 4", mc)).toBe('false');
  });

  it('treats a null as an empty node-set: = and != are both false', () => {
    expect(str("get-property('missing') = ''")).toBe('false');
    expect(str("get-property('missing') != ''")).toBe('false');
    expect(str("'x' != $ctx:missing")).toBe('false');
    expect(str("get-property('missing') = false()")).toBe('true');
  });

  it('compares an XML property by its text, as a node-set', () => {
    const mc = message({ om: parseXml('<o>7</o>').documentElement! });
    expect(str("get-property('om') = '7'", mc)).toBe('true');
    expect(str("get-property('om') > 6", mc)).toBe('true');
    expect(str("get-property('om') != '7'", mc)).toBe('false');
  });

  it('does arithmetic on numbers, numeric strings and typed numbers', () => {
    const mc = message({ i: new JavaNumber('INTEGER', 7), s: '40', t: 'abc' });
    expect(str('7 mod 3')).toBe('1.0');
    expect(str('-7 mod 3')).toBe('-1.0');
    expect(str('1 div 0')).toBe('Infinity');
    expect(str('2 * 3 - 1 div 2')).toBe('5.5');
    expect(str('-$ctx:i', mc)).toBe('-7.0');
    expect(str('- -1')).toBe('1.0');
    expect(str("get-property('s') + 2", mc)).toBe('42.0');
    expect(str("get-property('t') + 2", mc)).toBe('NaN');
  });

  it('evaluates the token-expiry filter of the OAuth2 sequence', () => {
    const filter = "get-property('SYSTEM_TIME') - get-property('generated-time') > 3600000 or get-property('access_token') = ''";
    const at = (generated: number, token: string) => message({ 'generated-time': new JavaNumber('LONG', generated), access_token: token });
    expect(bool(filter, at(NOW - 3_600_001, 'tok'))).toBe(true);
    expect(bool(filter, at(NOW - 3_600_000, 'tok'))).toBe(false);
    expect(bool(filter, at(NOW - 1_000, ''))).toBe(true);
  });

  it('short-circuits and/or, as the library does', () => {
    expect(str("true() or base64Encode('a', 'no-such-charset')")).toBe('true');
    expect(str("false() and base64Encode('a', 'no-such-charset')")).toBe('false');
    expect(() => str("false() or base64Encode('a', 'no-such-charset')")).toThrow(ExpressionError);
  });
});

describe('XPath fast path: what stays on the library', () => {
  const mc = () => makeMessage({ body: '<r><a>1</a><a>2</a></r>', contentType: 'application/xml', properties: { p: 'v' } });

  it.each([
    ['//a', '<a>1</a><a>2</a>'],
    ['count(//a)', '2.0'],
    ["substring('hello', 2, 3)", 'ell'],
    ["concat($body/r/a[2], '!')", '2!'],
    ['(//a)[2]', '2'],
    ["string-length(get-property('p'))", '1.0'],
  ])('%s', (source, expected) => {
    const e = new XPathExpression(source, NONE);
    expect(e.fastPath).toBe(false);
    expect(e.stringValue(mc())).toBe(expected);
  });

  it('leaves a call with the wrong number of arguments to fail at evaluation, as before', () => {
    for (const source of ["concat('a')", "get-property('a', 'b', 'c', 'd')", 'not(1, 2)']) {
      const e = new XPathExpression(source, NONE);
      expect(e.fastPath).toBe(false);
      expect(() => e.stringValue(mc())).toThrow(ExpressionError);
    }
  });

  it('leaves a function in the xml namespace to the library, which knows none', () => {
    const e = new XPathExpression("xml:concat('a', 'b')", NONE);
    expect(e.fastPath).toBe(false);
    expect(() => e.stringValue(mc())).toThrow(ExpressionError);
  });
});

describe('XPath fast path: same results as the library', () => {
  const NAMES = ['a', 'b', 'n'] as const;
  const xmlText = fc.constantFrom('7', ' 7 ', 'x', '');

  const propertyValue = fc.oneof(
    fc.constantFrom('', '0', '40', ' 12 ', '-3.5', '.5', '1e3', 'abc', 'true', 'false', 'NaN', 'Infinity'),
    fc.string({ maxLength: 4 }),
    fc.boolean(),
    fc.constantFrom(0, 5, -1.5, 1e21, Number.NaN),
    fc
      .tuple(fc.constantFrom('INTEGER', 'LONG', 'SHORT', 'DOUBLE', 'FLOAT'), fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double()))
      .map(([type, value]) => new JavaNumber(type as 'LONG', value)),
    fc.double().map((d) => new JsonProperty(d)),
    xmlText.map((text) => parseXml(`<e>${text}</e>`).documentElement!),
  );

  const scopes = fc.record({
    ctx: fc.dictionary(fc.constantFrom(...NAMES), propertyValue, { maxKeys: 3 }),
    axis2: fc.dictionary(fc.constantFrom(...NAMES), propertyValue, { maxKeys: 3 }),
    trp: fc.dictionary(fc.constantFrom(...NAMES), fc.constantFrom('', '5', 'h', ' 1.5'), { maxKeys: 3 }),
  });

  const name = fc.constantFrom(...NAMES, 'missing');
  const stringLiteral = fc.oneof(fc.constantFrom('', '0', '5', '1.0', 'abc', 'true', ' 12 ', '7'), fc.string({ maxLength: 3 }).filter((s) => !s.includes("'")));
  const numberLiteral = fc.oneof(
    fc.nat({ max: 10 }).map(String),
    fc.constantFrom('0.5', '.25', '1700000000000', '3600000', '0.0001', '12.0'),
  );

  const leaf = fc.oneof(
    stringLiteral.map((s) => `'${s}'`),
    numberLiteral,
    name.map((n) => `get-property('${n}')`),
    fc.tuple(fc.constantFrom('default', 'axis2', 'transport', 'registry'), name).map(([s, n]) => `get-property('${s}', '${n}')`),
    fc.constantFrom("get-property('SYSTEM_TIME')", 'true()', 'false()', "get-property('registry', 'gov:/creds/token')"),
    fc.tuple(fc.constantFrom('ctx', 'axis2', 'trp'), name).map(([p, n]) => `$${p}:${n}`),
  );

  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'medium', maxDepth: 4, withCrossShrink: true },
      leaf,
      tie('expr').map((e) => `-(${e})`),
      fc.tuple(fc.constantFrom('string', 'number', 'boolean', 'not', 'upper-case'), tie('expr')).map(([f, e]) => `${f}(${e})`),
      fc.tuple(fc.constantFrom('concat', 'fn:concat'), fc.array(tie('expr'), { minLength: 2, maxLength: 3 })).map(([f, args]) => `${f}(${args.join(', ')})`),
      fc
        .tuple(tie('expr'), fc.constantFrom('=', '!=', '<', '<=', '>', '>=', '+', '-', '*', 'div', 'mod', 'and', 'or'), tie('expr'))
        .map(([l, op, r]) => `(${l}) ${op} (${r})`),
      tie('expr').map((e) => `(${e})`),
    ),
  }));

  function outcome(e: XPathExpression, mc: MessageContext) {
    try {
      return { string: e.stringValue(mc), boolean: e.booleanValue(mc), raw: e.rawValue(mc), nodes: e.nodes(mc) };
    } catch (err) {
      return { error: `${(err as Error).constructor.name}: ${(err as Error).message}` };
    }
  }

  it('gives the library path’s stringValue, booleanValue, rawValue and nodes', () => {
    fc.assert(
      fc.property(expr, scopes, (source, values) => {
        const mc = message(values.ctx);
        for (const [k, v] of Object.entries(values.axis2)) mc.axis2.set(k, v);
        for (const [k, v] of Object.entries(values.trp)) mc.headers.set(k, v);
        const compiled = new XPathExpression(source, NONE);
        expect(compiled.fastPath).toBe(true);
        expect(outcome(compiled, mc)).toEqual(outcome(library(source), mc));
      }),
      { numRuns: 2000 },
    );
  });
});
