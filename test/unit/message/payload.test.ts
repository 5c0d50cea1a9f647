import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../engine/errors.js';
import { parseJson } from '../../../engine/message/json-body.js';
import { DEFAULT_PAYLOAD_LIMITS, Payload } from '../../../engine/message/payload.js';
import { parseXml, serializeXml } from '../../../engine/xml/dom.js';
import { bodyOf, firstBodyChild, headerOf, PAYLOAD_NS, SOAP11_NS, SOAP12_NS } from '../../../engine/xml/soap.js';

function payload(body: string, contentType: string | null, limits = DEFAULT_PAYLOAD_LIMITS): Payload {
  return new Payload(Buffer.from(body, 'utf8'), contentType, limits);
}

function text(out: string | Buffer): string {
  return typeof out === 'string' ? out : out.toString('utf8');
}

function expectPayloadError(run: () => unknown, message: RegExp): void {
  try {
    run();
    expect.unreachable('the payload should have been refused');
  } catch (err) {
    expect(err).toBeInstanceOf(PayloadError);
    expect((err as PayloadError).errorCode).toBe(601000);
    expect((err as PayloadError).httpStatus).toBe(400);
    expect((err as Error).message).toMatch(message);
  }
}

const SOAP = `<soapenv:Envelope xmlns:soapenv="${SOAP11_NS}"><soapenv:Header><h>1</h></soapenv:Header><soapenv:Body><m:getQuote xmlns:m="urn:m"><m:symbol>IBM</m:symbol></m:getQuote></soapenv:Body></soapenv:Envelope>`;

describe('lazy parsing', () => {
  it('keeps the bytes raw until someone asks', () => {
    const p = payload('{"a":1}', 'application/json');
    expect(p.isRaw).toBe(true);
    expect(p.rawBytes!.toString()).toBe('{"a":1}');
    expect(p.isEmpty).toBe(false);
    p.json();
    expect(p.isRaw).toBe(false);
    expect(p.rawBytes).toBeUndefined();
  });

  it('does not parse a malformed payload nobody reads', () => {
    const p = payload('{not json', 'application/json');
    expect(p.isRaw).toBe(true);
    expect(text(p.serialize('application/json'))).toBe('{not json');
  });

  it('an empty body is empty in every format', () => {
    const p = payload('', 'application/json');
    expect(p.isEmpty).toBe(true);
    expect(p.format).toBe('empty');
    expect(p.json()).toBeUndefined();
    expect(firstBodyChild(p.envelope())).toBeNull();
    expect(p.text()).toBe('');
    expect(text(p.serialize('application/xml'))).toBe('');
    expect(text(p.serialize('application/json'))).toBe('');
  });
});

describe('JSON payloads', () => {
  it('parse to their value and show XPath the <jsonObject> infoset', () => {
    const p = payload('{"name":"n","tags":["a"]}', 'application/json; charset=UTF-8');
    expect(p.json()).toEqual({ name: 'n', tags: ['a'] });
    expect(p.format).toBe('json');
    const body = bodyOf(p.envelope());
    expect(serializeXml(firstBodyChild(p.envelope())!)).toBe('<jsonObject><name>n</name><?xml-multiple tags?><tags>a</tags></jsonObject>');
    expect(body.namespaceURI).toBe(SOAP11_NS);
  });

  it('recognise +json and other json types', () => {
    expect(payload('{"a":1}', 'application/problem+json').json()).toEqual({ a: 1 });
    expect(payload('[1]', 'text/json').json()).toEqual([1]);
  });

  it('are sent byte for byte when nobody changed them, even once read', () => {
    const body = Buffer.from('{ "a" : [1.0, "\\u00e9"] }', 'utf8');
    const p = new Payload(body, 'application/json');
    expect(p.json()).toEqual({ a: [1, 'é'] });
    expect(p.jsonText()).toBe('{ "a" : [1.0, "\\u00e9"] }');
    expect(p.serialize('application/json')).toBe(body);
    expect(p.serialize(null)).toBe(body);
    expect(p.text()).toBe('{"a":[1,"é"]}');
    const untouched = payload('{ "a" : 1 }', 'application/json');
    expect(text(untouched.serialize('application/json'))).toBe('{ "a" : 1 }');
    expect(text(untouched.serialize(null))).toBe('{ "a" : 1 }');
  });

  it('serialise as XML, SOAP and form when messageType says so', () => {
    const p = payload('{"a":[1],"$b":"x","1c":2}', 'application/json');
    expect(text(p.serialize('application/xml'))).toBe(
      '<jsonObject><?xml-multiple a?><a>1</a><_JsonReader_PS_b>x</_JsonReader_PS_b><_JsonReader_PD_1c>2</_JsonReader_PD_1c></jsonObject>',
    );
    expect(text(p.serialize('application/x-www-form-urlencoded'))).toBe('a=1&%24b=x&1c=2');
    expect(text(p.serialize('text/plain'))).toBe('{"a":[1],"$b":"x","1c":2}');
  });

  it('refuse malformed JSON with code 601000', () => {
    expectPayloadError(() => payload('{"a":', 'application/json').json(), /malformed JSON/);
    expectPayloadError(() => payload('{bad}', 'application/json').envelope(), /malformed JSON/);
  });

  it('are sent re-serialised once a write replaced them', () => {
    const p = payload('{ "a" : 1 }', 'application/json');
    const value = p.json() as { a: number; b?: number };
    value.b = 2;
    p.setJson(value);
    expect(text(p.serialize('application/json'))).toBe('{"a":1,"b":2}');
    expect(p.jsonText()).toBe('{"a":1,"b":2}');
  });

  it('give json-eval($) their text as it came, without parsing it (Synapse reads the JSON stream whole)', () => {
    for (const spelled of ['{"a":1,"a":2}', '{"b":1,"1":2}', '[-0,1e2]', '["\\/"]', ' {"sniffed": true}']) {
      const p = payload(spelled, spelled.startsWith(' ') ? null : 'application/json');
      expect(p.jsonText(), spelled).toBe(spelled);
      expect(p.isRaw, spelled).toBe(true);
    }
    expect(payload('<a>1</a>', 'application/xml').jsonText()).toBe('{"a":1}');
  });

  it('held as text a mediator produced are sent as that text and parsed only when read', () => {
    const p = payload('<a/>', 'application/xml');
    p.setJsonText('{ "id" : 7 }');
    expect(p.format).toBe('json');
    expect(p.isEmpty).toBe(false);
    expect(p.serialize('application/json')).toBe('{ "id" : 7 }');
    expect(p.jsonText()).toBe('{ "id" : 7 }');
    expect(p.json()).toEqual({ id: 7 });
    expect(serializeXml(firstBodyChild(p.envelope())!)).toBe('<jsonObject><id>7</id></jsonObject>');
    expect(() => p.setJsonText('{"id":}')).toThrow(SyntaxError);
  });

  it('refuse over-limit bodies with the message the walk over the value gives', () => {
    const limits = { ...DEFAULT_PAYLOAD_LIMITS, maxJsonDepth: 4, maxJsonValues: 6 };
    // The walk counts a container's items before it descends: here the values limit is met first.
    const deepThenMany = `[[[[[[]]]]],${Array(6).fill(0).join(',')}]`;
    expectPayloadError(() => payload(deepThenMany, 'application/json', limits).json(), /more than 6 values/);
    expectPayloadError(() => payload('[[[[[]]]]]', 'application/json', limits).json(), /deeper than 4 levels/);
    expectPayloadError(() => payload('{"a":[1,2,3],"b":[4,5,6]}', 'application/json', limits).json(), /more than 6 values/);
    expectPayloadError(() => payload('[[[[[1', 'application/json', limits).json(), /malformed JSON/);
    // The shortest bodies that break each limit: shorter ones are not walked at all.
    const shallow = { ...DEFAULT_PAYLOAD_LIMITS, maxJsonDepth: 5 };
    expectPayloadError(() => payload('[[[[[[]]]]]]', 'application/json', shallow).json(), /deeper than 5 levels/);
    expect(payload('[[[[[]]]]]', 'application/json', shallow).json()).toEqual([[[[[]]]]]);
    const few = { ...DEFAULT_PAYLOAD_LIMITS, maxJsonValues: 3 };
    expectPayloadError(() => payload('[0,0,0,0]', 'application/json', few).json(), /more than 3 values/);
    expect(payload('[0,0,0]', 'application/json', few).json()).toEqual([0, 0, 0]);
    // Duplicate keys count once in the parsed value, as before.
    const duplicates = `{${Array(8).fill('"a":1').join(',')}}`;
    expect(payload(duplicates, 'application/json', limits).json()).toEqual({ a: 1 });
  });

  it('refuse nesting deeper than the limit', () => {
    const deep = '['.repeat(10) + ']'.repeat(10);
    expectPayloadError(() => payload(deep, 'application/json', { ...DEFAULT_PAYLOAD_LIMITS, maxJsonDepth: 5 }).json(), /deeper than 5/);
    expect(payload(deep, 'application/json', { ...DEFAULT_PAYLOAD_LIMITS, maxJsonDepth: 10 }).json()).toBeDefined();
  });

  it('keep __proto__ as data', () => {
    const value = payload('{"__proto__":{"polluted":1}}', 'application/json').json() as object;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(parseJson('{"a":1}', 4, 10)).toEqual({ a: 1 });
  });
});

describe('XML payloads', () => {
  it('become the first child of a SOAP 1.1 body', () => {
    const p = payload('<order><id>7</id></order>', 'application/xml');
    expect(p.format).toBe('xml');
    const env = p.envelope();
    expect(env.documentElement!.localName).toBe('Envelope');
    expect(serializeXml(firstBodyChild(env)!)).toBe('<order><id>7</id></order>');
  });

  it('serialise as the first body element for POX and SOAP, and as JSON for application/json', () => {
    const p = payload('<order><id>7</id><price>25.0000</price><item>a</item><item>b</item></order>', 'application/xml');
    p.envelope();
    expect(text(p.serialize('application/xml'))).toBe('<order><id>7</id><price>25.0000</price><item>a</item><item>b</item></order>');
    expect(text(p.serialize('text/xml'))).toBe('<order><id>7</id><price>25.0000</price><item>a</item><item>b</item></order>');
    expect(text(p.serialize('application/json'))).toBe('{"order":{"id":7,"price":25.0000,"item":["a","b"]}}');
  });

  it('give json() the converted first body element', () => {
    expect(payload('<r><a>1</a></r>', 'application/xml').json()).toEqual({ r: { a: 1 } });
  });

  it('read the text content of the first body element', () => {
    expect(payload('<r>a<b>b</b></r>', 'application/xml').text()).toBe('ab');
  });

  it('refuse a DOCTYPE', () => {
    expectPayloadError(() => payload('<!DOCTYPE r><r/>', 'application/xml').envelope(), /DOCTYPE/);
    expectPayloadError(() => payload('<!DOCTYPE r SYSTEM "http://evil/x.dtd"><r/>', 'application/xml').envelope(), /DOCTYPE/);
    expectPayloadError(() => payload('<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><r>x</r>', 'text/xml').envelope(), /DOCTYPE/);
  });

  it('refuse entity tricks', () => {
    expectPayloadError(() => payload('<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', 'application/xml').envelope(), /.+/);
  });

  it('refuse malformed XML with code 601000', () => {
    expectPayloadError(() => payload('<r>', 'application/xml').envelope(), /malformed XML/);
    expectPayloadError(() => payload('<a/><b/>', 'application/xml').json(), /malformed XML/);
    expectPayloadError(() => payload('<r a="1" a="2"/>', 'application/xml').envelope(), /malformed XML/);
  });

  it('refuse trees beyond the limits', () => {
    const limits = { ...DEFAULT_PAYLOAD_LIMITS, maxDepth: 3, maxElements: 5, maxAttributes: 2 };
    expectPayloadError(() => payload('<a><b><c><d/></c></b></a>', 'application/xml', limits).envelope(), /deeper than 3/);
    expectPayloadError(() => payload('<a><b/><b/><b/><b/><b/></a>', 'application/xml', limits).envelope(), /more than 5 elements/);
    expectPayloadError(() => payload('<a x="1" y="2" z="3"/>', 'application/xml', limits).envelope(), /more than 2 attributes/);
    expect(() => payload('<a><b><c/></b></a>', 'application/xml', limits).envelope()).not.toThrow();
  });
});

describe('SOAP payloads', () => {
  it('keep the envelope they came in, headers included', () => {
    const p = payload(SOAP, 'text/xml; charset=UTF-8');
    expect(p.format).toBe('soap11');
    const env = p.envelope();
    expect(headerOf(env, false)).not.toBeNull();
    expect(firstBodyChild(env)!.localName).toBe('getQuote');
  });

  it('serialise the whole envelope for SOAP and the body content for POX and JSON', () => {
    const p = payload(SOAP, 'text/xml');
    p.envelope();
    expect(text(p.serialize('text/xml'))).toBe(SOAP);
    expect(text(p.serialize('application/xml'))).toBe('<m:getQuote xmlns:m="urn:m"><m:symbol>IBM</m:symbol></m:getQuote>');
    expect(text(p.serialize('application/json'))).toBe('{"getQuote":{"symbol":"IBM"}}');
  });

  it('accept SOAP 1.2 envelopes', () => {
    const body = `<s:Envelope xmlns:s="${SOAP12_NS}"><s:Body><x>1</x></s:Body></s:Envelope>`;
    const p = payload(body, 'application/soap+xml');
    expect(serializeXml(firstBodyChild(p.envelope())!)).toBe('<x>1</x>');
    expect(p.envelope().documentElement!.namespaceURI).toBe(SOAP12_NS);
  });
});

describe('form payloads', () => {
  it('become <xformValues> with one child per field, decoded', () => {
    const p = payload('grant_type=client_credentials&scope=a+b&u=%C3%BC', 'application/x-www-form-urlencoded');
    expect(serializeXml(firstBodyChild(p.envelope())!)).toBe(
      '<xformValues><grant_type>client_credentials</grant_type><scope>a b</scope><u>ü</u></xformValues>',
    );
    expect(p.json()).toEqual({ xformValues: { grant_type: 'client_credentials', scope: 'a b', u: 'ü' } });
  });

  it('keep field names that are not XML names through a conversion', () => {
    const p = payload('first name=a&1x=b&$v=c', 'application/x-www-form-urlencoded');
    expect(p.json()).toEqual({ xformValues: { 'first name': 'a', '1x': 'b', $v: 'c' } });
    expect(text(p.serialize('application/json'))).toBe('{"xformValues":{"first name":"a","1x":"b","$v":"c"}}');
  });

  it('serialise from the first body element children when the message becomes a form', () => {
    const p = payload('<req><grant_type>password</grant_type><username>a b</username><nested><x>1</x></nested></req>', 'application/xml');
    expect(text(p.serialize('application/x-www-form-urlencoded'))).toBe('grant_type=password&username=a+b&nested=');
  });

  it('serialise a form back to a form', () => {
    const p = payload('a=1&b=x+y', 'application/x-www-form-urlencoded');
    p.envelope();
    expect(text(p.serialize('application/x-www-form-urlencoded'))).toBe('a=1&b=x+y');
  });
});

describe('text and binary payloads', () => {
  it('text/plain is held as text and wrapped for XPath', () => {
    const p = payload('hello <world>', 'text/plain');
    expect(p.text()).toBe('hello <world>');
    expect(p.format).toBe('text');
    const wrapper = firstBodyChild(p.envelope())!;
    expect(wrapper.localName).toBe('text');
    expect(wrapper.namespaceURI).toBe(PAYLOAD_NS);
    expect(wrapper.textContent).toBe('hello <world>');
    expect(text(p.serialize('text/plain'))).toBe('hello <world>');
  });

  it('other content types become a base64 binary element', () => {
    const p = payload('\u0001\u0002', 'application/octet-stream');
    const binary = firstBodyChild(p.envelope())!;
    expect(binary.localName).toBe('binary');
    expect(binary.namespaceURI).toBe(PAYLOAD_NS);
    expect(binary.textContent).toBe(Buffer.from('\u0001\u0002').toString('base64'));
  });

  it('sends unparsed binary bytes as they came', () => {
    const bytes = Buffer.from([0, 255, 1]);
    const p = new Payload(bytes, 'application/octet-stream');
    expect(p.serialize('application/octet-stream')).toEqual(bytes);
  });
});

describe('payloads without a content type', () => {
  it('are read by their first character', () => {
    expect(payload(' {"a":1}', null).json()).toEqual({ a: 1 });
    expect(payload('[1]', null).json()).toEqual([1]);
    expect(serializeXml(firstBodyChild(payload('<a>1</a>', null).envelope())!)).toBe('<a>1</a>');
    expect(payload('plain', null).text()).toBe('plain');
  });

  it('serialise in the format they were read in when no messageType is given, even once parsed', () => {
    const json = payload('{"a":1}', null);
    json.envelope();
    expect(text(json.serialize(null))).toBe('{"a":1}');
    const xml = payload('<a>1</a>', null);
    xml.envelope();
    expect(text(xml.serialize(null))).toBe('<a>1</a>');
    const plain = payload('plain', null);
    plain.envelope();
    expect(text(plain.serialize(null))).toBe('plain');
    const soap = payload(SOAP, null);
    soap.envelope();
    expect(text(soap.serialize(null))).toBe(SOAP);
  });
});

describe('replacing the payload', () => {
  it('setJson replaces the body and drops the derived views', () => {
    const p = payload('<a>1</a>', 'application/xml');
    p.envelope();
    p.setJson({ b: 2 });
    expect(p.json()).toEqual({ b: 2 });
    expect(serializeXml(firstBodyChild(p.envelope())!)).toBe('<jsonObject><b>2</b></jsonObject>');
    expect(text(p.serialize('application/json'))).toBe('{"b":2}');
  });

  it('setText replaces the body with text', () => {
    const p = payload('{"a":1}', 'application/json');
    p.setText('plain');
    expect(p.text()).toBe('plain');
    expect(text(p.serialize('text/plain'))).toBe('plain');
  });

  it('setXml puts an element in the body, keeping a SOAP envelope', () => {
    const p = payload(SOAP, 'text/xml');
    p.envelope();
    p.setXml(parseXml('<r>new</r>').documentElement);
    expect(headerOf(p.envelope(), false)).not.toBeNull();
    expect(serializeXml(firstBodyChild(p.envelope())!)).toBe('<r>new</r>');
    expect(p.json()).toEqual({ r: 'new' });
  });

  it('setXml with an Envelope replaces the whole envelope', () => {
    const p = payload('{"a":1}', 'application/json');
    p.setXml(parseXml(SOAP).documentElement);
    expect(p.format).toBe('soap11');
    expect(text(p.serialize('text/xml'))).toBe(SOAP);
  });

  it('setXml(null) empties the body', () => {
    const p = payload('<a/>', 'application/xml');
    p.setXml(null);
    expect(p.isEmpty).toBe(true);
    expect(p.format).toBe('empty');
  });

  it('mutableEnvelope makes edits of a JSON infoset what is sent', () => {
    const p = payload('{"a":1}', 'application/json');
    const doc = p.mutableEnvelope();
    const root = firstBodyChild(doc)!;
    const b = doc.createElement('b');
    b.appendChild(doc.createTextNode('2.50'));
    root.appendChild(b);
    expect(p.json()).toEqual({ a: 1, b: 2.5 });
    expect(text(p.serialize('application/json'))).toBe('{"a":1,"b":2.50}');
  });

  it('clear empties the payload', () => {
    const p = payload('{"a":1}', 'application/json');
    p.json();
    p.clear();
    expect(p.isRaw).toBe(true);
    expect(p.isEmpty).toBe(true);
    expect(text(p.serialize('application/json'))).toBe('');
  });
});
