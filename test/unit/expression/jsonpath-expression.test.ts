import { describe, expect, it } from 'vitest';
import { JsonPathExpression } from '../../../engine/expression/jsonpath-expression.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { JsonProperty } from '../../../engine/message/typed-value.js';
import { makeMessage } from '../../support/runtime.js';

const NONE = new Map<string, string>();

const STORE = {
  store: {
    book: [
      { title: 'A', price: 10 },
      { title: 'B', price: 20.5, isbn: null },
    ],
    name: 'S',
    open: true,
    empty: {},
    none: [],
  },
  'odd key': 1,
  $v: 2,
};

function json(value: unknown = STORE, extra: Parameters<typeof makeMessage>[0] = {}): MessageContext {
  return makeMessage({ body: JSON.stringify(value), contentType: 'application/json', ...extra });
}

function evalPath(path: string, mc: MessageContext = json()): string {
  return new JsonPathExpression(path, NONE).stringValue(mc);
}

describe('json-eval: whole payload (reference §3.5)', () => {
  it('$ and $. give the whole payload as JSON text', () => {
    expect(JSON.parse(evalPath('$'))).toEqual(STORE);
    expect(JSON.parse(evalPath('$.'))).toEqual(STORE);
  });

  it('gives a top-level array as JSON text', () => {
    expect(evalPath('$', json([1, 'a']))).toBe('[1,"a"]');
  });

  it('is "" when there is no payload', () => {
    const mc = makeMessage({ body: '' });
    expect(evalPath('$', mc)).toBe('');
    expect(evalPath('$.a', mc)).toBe('');
  });
});

describe('json-eval: result formatting', () => {
  it('prints strings unquoted and numbers and booleans as text', () => {
    expect(evalPath('$.store.name')).toBe('S');
    expect(evalPath('$.store.book[0].price')).toBe('10');
    expect(evalPath('$.store.book[1].price')).toBe('20.5');
    expect(evalPath('$.store.open')).toBe('true');
  });

  it('prints objects and arrays as compact JSON', () => {
    expect(evalPath('$.store.book[0]')).toBe('{"title":"A","price":10}');
    expect(evalPath('$.store.empty')).toBe('{}');
    expect(evalPath('$.store.none')).toBe('[]');
  });

  it('prints JSON null as the text null', () => {
    expect(evalPath('$.store.book[1].isbn')).toBe('null');
  });

  it('gives "" for a missing path, without a fault', () => {
    expect(evalPath('$.store.missing')).toBe('');
    expect(evalPath('$.store.book[5].title')).toBe('');
    expect(evalPath('$.nothing.deeper.still')).toBe('');
  });

  it('drops a trailing dot', () => {
    expect(evalPath('$.store.name.')).toBe('S');
  });

  it('reads bracketed and $-prefixed keys', () => {
    expect(evalPath("$['odd key']")).toBe('1');
    expect(evalPath('$.$v')).toBe('2');
  });

  it('gives the number of items for .length()', () => {
    expect(evalPath('$.store.book.length()')).toBe('2');
    expect(evalPath('$.store.none.length()')).toBe('0');
    expect(evalPath('$..title.length()')).toBe('2');
    expect(evalPath('$.store.missing.length()')).toBe('');
  });
});

describe('json-eval: definite and indefinite paths', () => {
  it('a definite path gives the single value', () => {
    expect(evalPath('$.store.book[0].title')).toBe('A');
  });

  it('a wildcard, deep scan, filter, union or slice gives a JSON array', () => {
    expect(evalPath('$.store.book[*].title')).toBe('["A","B"]');
    expect(evalPath('$..title')).toBe('["A","B"]');
    expect(evalPath('$.store.book[?(@.price > 15)].title')).toBe('["B"]');
    expect(evalPath('$.store.book[0,1].title')).toBe('["A","B"]');
    expect(evalPath('$.store.book[0:1].title')).toBe('["A"]');
  });

  it('an indefinite path that matches nothing gives an empty array', () => {
    expect(evalPath('$.store.book[?(@.price > 100)].title')).toBe('[]');
  });
});

describe('json-eval: property sources', () => {
  const props = {
    tokenResponse: '{"access_token":"abc","expires_in":3600,"scope":{"a":1}}',
    stored: new JsonProperty({ list: [1, 2, 3] }),
    notJson: 'plain words',
  };

  it('$ctx:prop.path evaluates against the JSON text of a property', () => {
    const mc = makeMessage({ properties: props });
    expect(evalPath('$ctx:tokenResponse.access_token', mc)).toBe('abc');
    expect(evalPath('$ctx:tokenResponse.expires_in', mc)).toBe('3600');
    expect(evalPath('$ctx:tokenResponse.scope', mc)).toBe('{"a":1}');
    expect(evalPath('$ctx:tokenResponse', mc)).toBe(props.tokenResponse);
  });

  it('$ctx: reads a JSON-typed property as its value', () => {
    const mc = makeMessage({ properties: props });
    expect(evalPath('$ctx:stored.list[2]', mc)).toBe('3');
    expect(evalPath('$ctx:stored.list.length()', mc)).toBe('3');
  });

  it('$trp: and $axis2: read headers and axis2 properties', () => {
    const mc = makeMessage({ headers: { 'X-Claims': '{"sub":"alice"}' } });
    mc.axis2.set('cached', '{"q":[1]}');
    expect(evalPath('$trp:X-Claims.sub', mc)).toBe('alice');
    expect(evalPath('$trp:x-claims.sub', mc)).toBe('alice');
    expect(evalPath('$axis2:cached.q', mc)).toBe('[1]');
  });

  it('gives "" when the property is missing or is not JSON', () => {
    const mc = makeMessage({ properties: props });
    expect(evalPath('$ctx:missing.a', mc)).toBe('');
    expect(evalPath('$ctx:notJson.a', mc)).toBe('');
  });

  it('never parses the payload', () => {
    const mc = makeMessage({ body: '<<< broken', contentType: 'application/xml', properties: props });
    expect(evalPath('$ctx:tokenResponse.access_token', mc)).toBe('abc');
    expect(mc.payload.isRaw).toBe(true);
  });
});

describe('json-eval: XML payloads', () => {
  it('converts the first body element to JSON first', () => {
    const mc = makeMessage({ body: '<order><id>7</id><item>a</item><item>b</item><note/></order>', contentType: 'application/xml' });
    expect(evalPath('$.order.id', mc)).toBe('7');
    expect(evalPath('$.order.item', mc)).toBe('["a","b"]');
    expect(evalPath('$.order.note', mc)).toBe('null');
    expect(JSON.parse(evalPath('$', mc))).toEqual({ order: { id: 7, item: ['a', 'b'], note: null } });
  });

  it('uses the body of a SOAP envelope', () => {
    const body =
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><quote><symbol>IBM</symbol></quote></soapenv:Body></soapenv:Envelope>';
    expect(evalPath('$.quote.symbol', makeMessage({ body, contentType: 'text/xml' }))).toBe('IBM');
  });

  it('sees a JSON payload edited through its XML infoset', () => {
    const mc = json({ a: 1 });
    const doc = mc.payload.mutableEnvelope();
    const root = doc.getElementsByTagName('jsonObject')[0]!;
    const b = doc.createElement('b');
    b.appendChild(doc.createTextNode('two'));
    root.appendChild(b);
    expect(evalPath('$.b', mc)).toBe('two');
  });
});

describe('json-eval: {dynamic} segments', () => {
  it('substitutes {xpath} segments per message', () => {
    const e = new JsonPathExpression('$.store.{$ctx:field}', NONE);
    expect(e.stringValue(json(STORE, { properties: { field: 'name' } }))).toBe('S');
    expect(e.stringValue(json(STORE, { properties: { field: 'open' } }))).toBe('true');
  });

  it('a substituted index keeps the path definite', () => {
    const e = new JsonPathExpression('$.store.book[{$ctx:i}].title', NONE);
    expect(e.stringValue(json(STORE, { properties: { i: '1' } }))).toBe('B');
    expect(new JsonPathExpression("$.store.book[{get-property('i')}].title", NONE).stringValue(json(STORE, { properties: { i: '0' } }))).toBe('A');
  });

  it('a substituted wildcard makes the path indefinite', () => {
    const e = new JsonPathExpression('$.store.book[{$ctx:i}].title', NONE);
    expect(e.stringValue(json(STORE, { properties: { i: '*' } }))).toBe('["A","B"]');
  });
});

describe('json-eval: booleanValue, nodes, rawValue, errors', () => {
  it('is true only when the text is true', () => {
    expect(new JsonPathExpression('$.store.open', NONE).booleanValue(json())).toBe(true);
    expect(new JsonPathExpression('$.s', NONE).booleanValue(json({ s: 'TRUE' }))).toBe(true);
    expect(new JsonPathExpression('$.store.name', NONE).booleanValue(json())).toBe(false);
    expect(new JsonPathExpression('$.store.missing', NONE).booleanValue(json())).toBe(false);
  });

  it('selects no XML nodes and returns the string as raw value', () => {
    const e = new JsonPathExpression('$.store.name', NONE);
    expect(e.nodes()).toEqual([]);
    expect(e.rawValue(json())).toBe('S');
    expect(e.kind).toBe('jsonpath');
    expect(e.source).toBe('json-eval($.store.name)');
  });

  it('prints $ of a JSON body as the body itself, unparsed, as Synapse reads the whole JSON stream', () => {
    const spelled = '{ "a" : [ 1.50, "\\u0041" ],\n "b" : {} }';
    const mc = makeMessage({ body: spelled, contentType: 'application/json' });
    expect(evalPath('$', mc)).toBe(spelled);
    expect(evalPath('$.', mc)).toBe(spelled);
    expect(mc.payload.isRaw).toBe(true);
    expect(mc.payload.serialize('application/json')).toEqual(Buffer.from(spelled));
    expect(evalPath('$', makeMessage({ body: '"text"', contentType: 'application/json' }))).toBe('"text"');
    // Not parsed, so not refused either: Synapse hands the stream on as it is.
    expect(evalPath('$', makeMessage({ body: '{"a":', contentType: 'application/json' }))).toBe('{"a":');
    expect(evalPath('$', makeMessage({ body: '', contentType: 'application/json' }))).toBe('');
  });

  it('prints $ of a changed JSON body as its compact JSON, and of an XML body as its JSON conversion', () => {
    const mc = makeMessage({ body: '{ "a" : 1 }', contentType: 'application/json' });
    mc.payload.setJson({ a: 2 });
    expect(evalPath('$', mc)).toBe('{"a":2}');
    expect(evalPath('$', makeMessage({ body: '<r><a>1</a></r>', contentType: 'application/xml' }))).toBe('{"r":{"a":1}}');
  });

  it('reads member paths by property lookups with the results jsonpath-plus gives', () => {
    const mc = json({ a: { b: [5, { c: 'x' }], '-1': 'm' }, s: 'str' });
    expect(evalPath('$.a.b[1].c', mc)).toBe('x');
    expect(evalPath("$['a']['b'][0]", mc)).toBe('5');
    expect(evalPath('$.a[-1]', mc)).toBe('m');
    expect(evalPath('$.a.b[-1]', mc)).toBe('');
    expect(evalPath('$.a.b.length()', mc)).toBe('2');
    expect(evalPath('$.a.size()', mc)).toBe('2');
    expect(evalPath('$.s.length', mc)).toBe('3');
    expect(evalPath('$.a.missing.c', mc)).toBe('');
    expect(new JsonPathExpression('$.a.b', NONE).values(mc)).toEqual({ found: true, value: [5, { c: 'x' }] });
    expect(new JsonPathExpression("$['a*']", NONE).values(json({ 'a*': 1 }))).toEqual({ found: true, value: [1] });
  });

  it('reads a member path of a property holding JSON text', () => {
    const mc = json({}, { properties: { held: '{"x":{"y":[3]}}' } });
    expect(evalPath('$ctx:held.x.y[0]', mc)).toBe('3');
    expect(evalPath('$ctx:held.x.z', mc)).toBe('');
  });

  it('reads a path that does not start with $ from the root, as Jayway does', () => {
    const mc = makeMessage({ body: '{"store":{"name":"s"}}', contentType: 'application/json' });
    expect(new JsonPathExpression('store.name', NONE).stringValue(mc)).toBe('s');
  });
});
