import { describe, expect, it } from 'vitest';
import { jsonKey, jsonToXml, setOwn, xmlName, xmlToJson, xmlToJsonText } from '../../../engine/message/json-xml.js';
import { newDocument, parseXml, serializeXml } from '../../../engine/xml/dom.js';

function toXml(value: unknown): string {
  return serializeXml(jsonToXml(value, newDocument()));
}

function fromXml(text: string): unknown {
  return xmlToJson(parseXml(text).documentElement!);
}

/** JSON → XML text → parsed again → JSON, as a payload that went through the XML infoset. */
function roundTrip(value: unknown): unknown {
  return fromXml(toXml(value));
}

describe('jsonToXml: the <jsonObject> infoset (reference §3.6)', () => {
  it('makes an object a <jsonObject> with one child per member', () => {
    expect(toXml({ name: 'n', age: 3, ok: true })).toBe('<jsonObject><name>n</name><age>3</age><ok>true</ok></jsonObject>');
  });

  it('makes a top-level array a <jsonArray> of <jsonElement>s', () => {
    expect(toXml([1, 'a', { b: 2 }])).toBe(
      '<jsonArray><jsonElement>1</jsonElement><jsonElement>a</jsonElement><jsonElement><b>2</b></jsonElement></jsonArray>',
    );
  });

  it('makes a member array repeated siblings announced by <?xml-multiple?>', () => {
    expect(toXml({ a: [1, 2] })).toBe('<jsonObject><?xml-multiple a?><a>1</a><a>2</a></jsonObject>');
    expect(toXml({ a: [1] })).toBe('<jsonObject><?xml-multiple a?><a>1</a></jsonObject>');
  });

  it('nests objects', () => {
    expect(toXml({ a: { b: { c: 'x' } } })).toBe('<jsonObject><a><b><c>x</c></b></a></jsonObject>');
  });

  it('writes null, empty strings and empty objects as empty elements and an empty array as no element', () => {
    expect(toXml({ n: null, s: '', o: {}, e: [] })).toBe('<jsonObject><n/><s/><o/><?xml-multiple e?></jsonObject>');
  });

  it('puts arrays inside arrays in an anonymous jsonArray', () => {
    expect(toXml({ m: [[1, 2]] })).toBe(
      '<jsonObject><?xml-multiple m?><m><jsonArray><jsonElement>1</jsonElement><jsonElement>2</jsonElement></jsonArray></m></jsonObject>',
    );
  });

  it('uses no namespace', () => {
    const el = jsonToXml({ a: 1 }, newDocument());
    expect(el.namespaceURI).toBeNull();
    expect((el.firstChild as unknown as { namespaceURI: string | null }).namespaceURI).toBeNull();
  });

  it('escapes keys that are not XML names with _JsonReader_ prefixes and codes', () => {
    expect(toXml({ $ref: 1, '1st': 2, 'a b': 3 })).toBe(
      '<jsonObject><_JsonReader_PS_ref>1</_JsonReader_PS_ref><_JsonReader_PD_1st>2</_JsonReader_PD_1st><a_JsonReader_32_b>3</a_JsonReader_32_b></jsonObject>',
    );
  });
});

describe('xmlName / jsonKey', () => {
  it.each([
    ['$ref', '_JsonReader_PS_ref'],
    ['1st', '_JsonReader_PD_1st'],
    ['a b', 'a_JsonReader_32_b'],
    ['a:b', 'a_JsonReader_58_b'],
    ['a/b', 'a_JsonReader_47_b'],
    ['-x', '_JsonReader_PD_-x'],
    ['', '_JsonReader_EMPTY_'],
    ['plain_name-1.x', 'plain_name-1.x'],
    ['café', 'café'],
  ])('%j ⇄ %s', (key, name) => {
    expect(xmlName(key)).toBe(name);
    expect(jsonKey(name)).toBe(key);
  });
});

describe('xmlToJson: the XML → JSON formatter (reference §3.6)', () => {
  it('removes the <jsonObject> and <jsonArray> wrappers', () => {
    expect(fromXml('<jsonObject><a>x</a></jsonObject>')).toEqual({ a: 'x' });
    expect(fromXml('<jsonArray><jsonElement>1</jsonElement><jsonElement>x</jsonElement></jsonArray>')).toEqual([1, 'x']);
    expect(fromXml('<jsonObject/>')).toEqual({});
  });

  it('keeps any other root as a member', () => {
    expect(fromXml('<order><id>7</id></order>')).toEqual({ order: { id: 7 } });
    expect(fromXml('<status>ok</status>')).toEqual({ status: 'ok' });
  });

  it('makes repeated siblings an array', () => {
    expect(fromXml('<r><i>1</i><i>2</i><i>3</i></r>')).toEqual({ r: { i: [1, 2, 3] } });
  });

  it('keeps a single sibling announced by <?xml-multiple?> an array', () => {
    expect(fromXml('<jsonObject><?xml-multiple i?><i>1</i></jsonObject>')).toEqual({ i: [1] });
    expect(fromXml('<jsonObject><i>1</i></jsonObject>')).toEqual({ i: 1 });
  });

  it('types numeric and boolean text and makes empty elements null', () => {
    expect(fromXml('<r><n>25.0000</n><m>-3</m><e>1e5</e><t>true</t><f>false</f><s>007</s><x>1.</x><empty/></r>')).toEqual({
      r: { n: 25, m: -3, e: 100000, t: true, f: false, s: '007', x: '1.', empty: null },
    });
  });

  it('keeps integers too large for a double as text', () => {
    expect(fromXml('<r><id>12345678901234567890</id></r>')).toEqual({ r: { id: '12345678901234567890' } });
  });

  it('makes attributes @name members and mixed text a $ member, ignoring namespace declarations', () => {
    expect(fromXml('<r xmlns:x="urn:x" id="1"><a x:lang="en">t</a></r>')).toEqual({ r: { '@id': 1, a: { '@lang': 'en', $: 't' } } });
  });

  it('undoes the _JsonReader_ escapes of names', () => {
    expect(fromXml('<jsonObject><_JsonReader_PS_ref>1</_JsonReader_PS_ref><a_JsonReader_32_b>2</a_JsonReader_32_b></jsonObject>')).toEqual({
      $ref: 1,
      'a b': 2,
    });
  });
});

describe('xmlToJsonText', () => {
  it('writes numbers as the XML wrote them', () => {
    expect(xmlToJsonText(parseXml('<r><price>25.0000</price><qty>1.0</qty><n>-0</n><e>1E3</e></r>').documentElement!)).toBe(
      '{"r":{"price":25.0000,"qty":1.0,"n":-0,"e":1E3}}',
    );
  });

  it('is otherwise the JSON text of xmlToJson', () => {
    const text = '<r a="1"><i>x</i><i>y "q"</i><t>true</t><z/><s>007</s></r>';
    expect(xmlToJsonText(parseXml(text).documentElement!)).toBe(JSON.stringify(fromXml(text)));
    expect(xmlToJsonText(parseXml('<jsonArray><jsonElement>1</jsonElement></jsonArray>').documentElement!)).toBe('[1]');
  });
});

describe('round trips', () => {
  it.each([
    [{ a: [1] }],
    [{ a: [1, 2], b: 'x' }],
    [{ a: { b: [{ c: 'x' }] } }],
    [[1, 'a', { b: 2 }]],
    [{ m: [[1, 2], [3]] }],
    [{ $ref: 'r', '1st': 'f', 'a b': 'c' }],
    [{ n: null, t: true, f: 1.5 }],
  ])('%j survives JSON → XML → JSON', (value) => {
    expect(roundTrip(value)).toEqual(value);
  });
});

describe('__proto__ and constructor keys', () => {
  it('become own members and never reach a prototype (JSON → XML → JSON)', () => {
    const value = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}');
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')!.value).toEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(back)).toBe('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}');
  });

  it('become own members from XML elements and attributes', () => {
    const back = fromXml('<jsonObject __proto__="a"><__proto__><polluted>1</polluted></__proto__><constructor>1</constructor><constructor>2</constructor></jsonObject>') as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')!.value).toEqual({ polluted: 1 });
    expect(Object.getOwnPropertyDescriptor(back, 'constructor')!.value).toEqual([1, 2]);
    expect(back['@__proto__']).toBe('a');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a __proto__ root stays a member', () => {
    const back = fromXml('<__proto__><polluted>1</polluted></__proto__>') as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('setOwn defines an own enumerable property', () => {
    const target: Record<string, unknown> = {};
    setOwn(target, '__proto__', 1);
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.keys(target)).toEqual(['__proto__']);
  });
});
