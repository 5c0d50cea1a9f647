import { describe, expect, test } from 'vitest';
import type { Element } from '@xmldom/xmldom';
import { JavaNumber, JsonProperty } from '../../../engine/message/typed-value.js';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';
import { MemoryRegistry } from '../../support/runtime.js';

/** A sequence `main` whose onError sequence `err` records that the fault flow ran. */
function withFaultHandler(body: string): string {
  return `<definitions ${SYNAPSE}>
  <sequence name="main" onError="err">${body}</sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
</definitions>`;
}

describe('property: set from value, child element, expression (reference §2.1)', () => {
  test('a literal value is stored as a string in the default scope', async () => {
    const { mc, result } = await run(seq(`<property name="p" value="hello"/>`));
    expect(result).toBe(true);
    expect(mc.properties.get('p')).toBe('hello');
  });

  test('an expression is evaluated per message to its string value', async () => {
    const { mc } = await run(seq(`<property name="p" expression="concat($ctx:a, '-', $trp:X-Id)"/>`), {
      properties: { a: 'x' },
      headers: { 'X-Id': '42' },
    });
    expect(mc.properties.get('p')).toBe('x-42');
  });

  test('value wins over a child element and an expression', async () => {
    const { mc } = await run(seq(`<property name="p" value="lit" expression="'expr'"><a xmlns="">x</a></property>`));
    expect(mc.properties.get('p')).toBe('lit');
  });

  test('a child element wins over an expression and is stored as an element', async () => {
    const { mc } = await run(seq(`<property name="p" expression="'expr'"><a xmlns=""><b>1</b></a></property><property name="q" expression="$ctx:p"/>`));
    const el = mc.properties.get('p') as Element;
    expect(el.nodeType).toBe(1);
    expect(el.localName).toBe('a');
    expect(mc.properties.get('q')).toMatch(/^<a( xmlns="")?><b>1<\/b><\/a>$/);
  });

  test('braces in value are not evaluated: the literal text is stored', async () => {
    const { mc } = await run(seq(`<property name="p" value="{base64encoded(clientKey:clientSecret)}"/>`));
    expect(mc.properties.get('p')).toBe('{base64encoded(clientKey:clientSecret)}');
  });

  test('an action other than exactly "remove" means set', async () => {
    const { mc } = await run(seq(`<property name="p" action="Remove" value="set"/>`), { properties: { p: 'old' } });
    expect(mc.properties.get('p')).toBe('set');
  });

  test('a dynamic name {…} is evaluated per message', async () => {
    const { mc } = await run(seq(`<property name="{concat('dyn-', $ctx:suffix)}" value="v"/>`), { properties: { suffix: 'x' } });
    expect(mc.properties.get('dyn-x')).toBe('v');
  });

  test('a dynamic name that evaluates to nothing only warns; the flow goes on', async () => {
    const { mc, result, runtime } = await run(seq(`<property name="{$ctx:missing}" value="v"/><property name="after" value="1"/>`));
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
    expect(runtime.logger.lines.some((l) => l.level === 'warn')).toBe(true);
  });
});

describe('property: a JSON body only read is forwarded as it came', () => {
  const body = '{ "order": { "id": 7, "items": [ "a", "b" ] } }';

  test('json-eval($) into a property gives the body as it came, unparsed, and leaves the bytes to send untouched', async () => {
    const { mc } = await run(seq(`<property name="message-body" expression="json-eval($)"/><property name="id" expression="json-eval($.order.id)"/>`), {
      body,
      contentType: 'application/json',
    });
    expect(mc.properties.get('message-body')).toBe(body);
    expect(mc.properties.get('id')).toBe('7');
    expect(mc.payload.serialize(mc.messageType)).toEqual(Buffer.from(body));
  });

  test('a script write re-serialises the body', async () => {
    const { mc } = await run(
      seq(`<property name="message-body" expression="json-eval($)"/><script language="js"><![CDATA[var p = mc.getPayloadJSON(); p.order.id = 8; mc.setPayloadJSON(p);]]></script>`),
      { body, contentType: 'application/json' },
    );
    expect(String(mc.payload.serialize(mc.messageType))).toBe('{"order":{"id":8,"items":["a","b"]}}');
  });

  test('an enrich write re-serialises the body', async () => {
    const { mc } = await run(seq(`<enrich><source type="inline">{"note":"c"}</source><target xpath="json-eval($.order)" action="child"/></enrich>`), {
      body,
      contentType: 'application/json',
    });
    expect(String(mc.payload.serialize(mc.messageType))).toBe('{"order":{"id":7,"items":["a","b"],"note":"c"}}');
  });
});

describe('property: null and empty results (reference §1.4, §3.2.2, checklist 5)', () => {
  test('an expression whose result is null leaves the old value in place', async () => {
    const { mc } = await run(seq(`<property name="p" expression="get-property('missing')"/>`), { properties: { p: 'old' } });
    expect(mc.properties.get('p')).toBe('old');
  });

  test('an expression over an empty node-set stores the empty string', async () => {
    const { mc } = await run(seq(`<property name="p" expression="//nothing"/>`), {
      properties: { p: 'old' },
      body: '<a/>',
      contentType: 'application/xml',
    });
    expect(mc.properties.get('p')).toBe('');
  });

  test('$ctx: of a missing property is null too, so the old value survives', async () => {
    const { mc } = await run(seq(`<property name="p" expression="$ctx:nothing"/>`), { properties: { p: 'old' } });
    expect(mc.properties.get('p')).toBe('old');
  });
});

describe('property: types (reference §2.1)', () => {
  test('INTEGER from an expression printing "12.0" truncates to 12', async () => {
    const { mc } = await run(seq(`<property name="n" type="INTEGER" expression="number('12.0')"/><property name="s" expression="$ctx:n"/>`));
    const n = mc.properties.get('n');
    expect(n).toBeInstanceOf(JavaNumber);
    expect((n as JavaNumber).type).toBe('INTEGER');
    expect((n as JavaNumber).value).toBe(12);
    expect(mc.properties.get('s')).toBe('12');
  });

  test('INTEGER truncates a decimal string (12.9 → 12) and SHORT does the same', async () => {
    const { mc } = await run(seq(`<property name="i" type="INTEGER" expression="'12.9'"/><property name="s" type="SHORT" expression="'-7.5'"/>`));
    expect(String(mc.properties.get('i'))).toBe('12');
    expect(String(mc.properties.get('s'))).toBe('-7');
  });

  test('INTEGER from the literal "12.0" is converted at load time', async () => {
    const { mc } = await run(seq(`<property name="i" type="INTEGER" value="12.0"/>`));
    expect((mc.properties.get('i') as JavaNumber).value).toBe(12);
  });

  test('INTEGER out of range faults', async () => {
    const { mc } = await run(withFaultHandler(`<property name="i" type="INTEGER" expression="'2147483648'"/>`));
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(mc.properties.get('i')).toBeUndefined();
  });

  test('LONG parses digits strictly', async () => {
    const { mc } = await run(seq(`<property name="t" type="LONG" expression="'1700000000000'"/>`));
    const t = mc.properties.get('t') as JavaNumber;
    expect(t.type).toBe('LONG');
    expect(t.value).toBe(1700000000000);
    expect(String(t)).toBe('1700000000000');
  });

  test('LONG from "12.0" faults; ERROR_MESSAGE names the property and the value', async () => {
    const { mc, result } = await run(withFaultHandler(`<property name="generated_Time" type="LONG" expression="'12.0'"/><property name="after" value="1"/>`));
    expect(result).toBe(true);
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(mc.properties.get('after')).toBeUndefined();
    expect(mc.properties.get('generated_Time')).toBeUndefined();
    const message = String(mc.properties.get('ERROR_MESSAGE'));
    expect(message).toContain('generated_Time');
    expect(message).toContain('12.0');
    expect(message).toContain('LONG');
    expect(String(mc.properties.get('ERROR_CODE'))).toBe('0');
  });

  test('LONG from the empty string (a missing registry resource) faults', async () => {
    const { mc } = await run(withFaultHandler(`<property name="t" type="LONG" expression="get-property('registry', 'local:/missing')"/>`), {}, { registry: new MemoryRegistry() });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('"t"');
  });

  test('LONG from a null expression result faults (Long.parseLong(null))', async () => {
    const { mc } = await run(withFaultHandler(`<property name="t" type="LONG" expression="get-property('missing')"/>`), { properties: { t: 'old' } });
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('⚠ a LONG property takes part in XPath arithmetic as a number (Mediate differs from Jaxen on purpose)', async () => {
    const { mc } = await run(seq(`<property name="t" type="LONG" value="1000"/><property name="d" expression="$ctx:t + 1"/><property name="lt" expression="get-property('t') &lt; 2000"/>`));
    expect(mc.properties.get('d')).toBe('1001.0');
    expect(mc.properties.get('lt')).toBe('true');
  });

  test('DOUBLE and FLOAT print like Java doubles; a bad number faults', async () => {
    const { mc } = await run(seq(`<property name="d" type="DOUBLE" expression="'3'"/><property name="f" type="FLOAT" value="1.5"/>`));
    expect(String(mc.properties.get('d'))).toBe('3.0');
    expect(String(mc.properties.get('f'))).toBe('1.5');
    const bad = await run(withFaultHandler(`<property name="d" type="DOUBLE" expression="'abc'"/>`));
    expect(bad.mc.properties.get('faulted')).toBe('yes');
  });

  test.each([
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['Yes', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['on', false],
    ['2', false],
    ['', false],
  ])('BOOLEAN is true only for true/yes/1: %j → %s', async (text, expected) => {
    const { mc } = await run(seq(`<property name="b" type="BOOLEAN" expression="$ctx:in"/>`), { properties: { in: text } });
    expect(mc.properties.get('b')).toBe(expected);
  });

  test('BOOLEAN of a null expression result is false (and replaces the old value)', async () => {
    const { mc } = await run(seq(`<property name="b" type="BOOLEAN" expression="get-property('missing')"/>`), { properties: { b: 'old' } });
    expect(mc.properties.get('b')).toBe(false);
  });

  test('OM parses the string into an element that XPath can navigate', async () => {
    const { mc } = await run(seq(`<property name="x" type="OM" expression="'&lt;a&gt;&lt;b&gt;7&lt;/b&gt;&lt;/a&gt;'"/><property name="b" expression="$ctx:x//b"/>`));
    const el = mc.properties.get('x') as Element;
    expect(el.localName).toBe('a');
    expect(mc.properties.get('b')).toBe('7');
  });

  test('OM from text that is not XML faults', async () => {
    const { mc } = await run(withFaultHandler(`<property name="x" type="OM" expression="'not xml'"/>`));
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('JSON parses JSON text', async () => {
    const { mc } = await run(seq(`<property name="j" type="JSON" expression="$ctx:in"/><property name="s" expression="$ctx:j"/>`), {
      properties: { in: '{"a":[1,2]}' },
    });
    const j = mc.properties.get('j');
    expect(j).toBeInstanceOf(JsonProperty);
    expect((j as JsonProperty).value).toEqual({ a: [1, 2] });
    expect(mc.properties.get('s')).toBe('{"a":[1,2]}');
  });

  test('JSON falls back to a quoted string for a bare word', async () => {
    const { mc } = await run(seq(`<property name="j" type="JSON" expression="'hello'"/>`));
    expect((mc.properties.get('j') as JsonProperty).value).toBe('hello');
  });

  test('JSON that is invalid even quoted stores null, which leaves the old value', async () => {
    const { mc, result } = await run(seq(`<property name="j" type="JSON" expression="$ctx:in"/>`), { properties: { in: '{"a":"', j: 'old' } });
    expect(result).toBe(true);
    expect(mc.properties.get('j')).toBe('old');
  });
});

describe('property: pattern and group (reference §2.1 step 3)', () => {
  test('group n of a whole-string match', async () => {
    const { mc } = await run(seq(`<property name="p" expression="$ctx:in" pattern="(\\w+)-(\\d+)" group="2"/>`), { properties: { in: 'abc-123' } });
    expect(mc.properties.get('p')).toBe('123');
  });

  test('group defaults to 0, the whole match', async () => {
    const { mc } = await run(seq(`<property name="p" expression="$ctx:in" pattern="[a-z]+-\\d+"/>`), { properties: { in: 'abc-123' } });
    expect(mc.properties.get('p')).toBe('abc-123');
  });

  test('the pattern must match the whole string; a partial match gives ""', async () => {
    const { mc } = await run(seq(`<property name="p" expression="$ctx:in" pattern="\\d+"/>`), { properties: { in: 'abc123', p: 'old' } });
    expect(mc.properties.get('p')).toBe('');
  });

  test('a group beyond the group count gives ""', async () => {
    const { mc } = await run(seq(`<property name="p" expression="$ctx:in" pattern="(a)(b)" group="3"/>`), { properties: { in: 'ab' } });
    expect(mc.properties.get('p')).toBe('');
  });

  test('the pattern applies to a literal value too', async () => {
    const { mc } = await run(seq(`<property name="p" value="Bearer abc.def" pattern="Bearer (.+)" group="1"/>`));
    expect(mc.properties.get('p')).toBe('abc.def');
  });

  test('a pattern over several lines matches the whole text', async () => {
    const { mc } = await run(seq(`<property name="p" expression="$ctx:in" pattern="a.*z"/>`), { properties: { in: 'a\nb\nz' } });
    expect(mc.properties.get('p')).toBe('a\nb\nz');
  });
});

describe('property: scopes (reference §2.1 step 4)', () => {
  test('transport sets a header; the map is case-insensitive', async () => {
    const { mc } = await run(seq(`<property name="X-Trace" scope="transport" value="t1"/><property name="x-trace" scope="transport" value="t2"/><property name="r" expression="$trp:X-TRACE"/>`));
    expect(mc.headers.get('x-trace')).toBe('t2');
    expect(mc.properties.get('r')).toBe('t2');
  });

  test('transport stores a null result as an empty header', async () => {
    const { mc } = await run(seq(`<property name="X-Empty" scope="transport" expression="get-property('missing')"/>`));
    expect(mc.headers.has('X-Empty')).toBe(true);
    expect(mc.headers.get('X-Empty')).toBe('');
  });

  test('axis2 stores in the axis2 map; HTTP_SC is read back through get-property(axis2)', async () => {
    const { mc } = await run(seq(`<property name="HTTP_SC" scope="axis2" value="404"/><property name="sc" expression="get-property('axis2', 'HTTP_SC')"/>`));
    expect(String(mc.axis2.get('HTTP_SC'))).toBe('404');
    expect(mc.properties.get('sc')).toBe('404');
    expect(mc.properties.has('HTTP_SC')).toBe(false);
  });

  test('axis2 messageType also sets ContentType and replaces the Content-Type header', async () => {
    const { mc } = await run(seq(`<property name="messageType" scope="axis2" value="application/json"/>`), {
      body: '<a/>',
      contentType: 'application/xml',
    });
    expect(mc.axis2.get('messageType')).toBe('application/json');
    expect(mc.axis2.get('ContentType')).toBe('application/json');
    expect(mc.headers.get('content-type')).toBe('application/json');
  });

  test('axis2-client stores in the client options; remove clears it', async () => {
    const { mc } = await run(seq(`<property name="opt" scope="axis2-client" value="1"/><property name="opt2" scope="axis2-client" value="2"/><property name="opt2" scope="axis2-client" action="remove"/>`));
    expect(mc.axis2Client.get('opt')).toBe('1');
    expect(mc.axis2Client.get('opt2') ?? null).toBeNull();
    expect(mc.properties.has('opt')).toBe(false);
  });

  test('operation scope is separate from the default scope', async () => {
    const { mc } = await run(seq(`<property name="o" scope="operation" value="op"/><property name="r" expression="get-property('operation', 'o')"/>`));
    expect(mc.operation.get('o')).toBe('op');
    expect(mc.properties.get('r')).toBe('op');
    expect(mc.properties.has('o')).toBe(false);
  });

  test('trace and analytics scopes store nothing visible to expressions', async () => {
    const { mc, result } = await run(seq(`<property name="t" scope="trace" value="1"/><property name="a" scope="analytics" value="1"/>`));
    expect(result).toBe(true);
    expect(mc.properties.has('t')).toBe(false);
    expect(mc.properties.has('a')).toBe(false);
  });

  test('system scope is accepted and the flow goes on', async () => {
    const { result } = await run(seq(`<property name="my.sys" scope="system" value="1"/>`));
    expect(result).toBe(true);
  });
});

describe('property: registry scope (reference §4.4, checklist 19)', () => {
  test('creates or overwrites the resource with the value as text', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('conf:/token', { content: 'old', properties: new Map() });
    await run(seq(`<property name="conf:/token" scope="registry" expression="concat('new-', $ctx:v)"/>`), { properties: { v: '1' } }, { registry });
    expect(registry.readText('conf:/token')).toBe('new-1');
  });

  test('⚠ key@prop writes the single property, blanks the content and drops the other properties', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('local:/oauth', { content: 'body', properties: new Map([['other', 'x']]) });
    await run(seq(`<property name="local:/oauth@access_token" scope="registry" value="abc"/>`), {}, { registry });
    expect(registry.readProperty('local:/oauth', 'access_token')).toBe('abc');
    expect(registry.readProperty('local:/oauth', 'other')).toBeNull();
    expect(registry.readText('local:/oauth')).toBe('');
  });

  test('a typed value is written as its decimal text', async () => {
    const registry = new MemoryRegistry();
    await run(seq(`<property name="local:/t" scope="registry" type="LONG" expression="'1700000000000'"/>`), {}, { registry });
    expect(registry.readText('local:/t')).toBe('1700000000000');
  });

  test('a registry write is read back by get-property(registry)', async () => {
    const registry = new MemoryRegistry();
    const { mc } = await run(seq(`<property name="gov:/a@p" scope="registry" value="v"/><property name="r" expression="get-property('registry', 'gov:/a@p')"/>`), {}, { registry });
    expect(mc.properties.get('r')).toBe('v');
  });

  test('a null value faults (toString of null)', async () => {
    const registry = new MemoryRegistry();
    const { mc } = await run(withFaultHandler(`<property name="local:/x" scope="registry" expression="get-property('missing')"/>`), {}, { registry });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(registry.exists('local:/x')).toBe(false);
  });

  test('remove in registry scope does nothing', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('local:/keep', { content: 'c', properties: new Map() });
    const { result } = await run(seq(`<property name="local:/keep" scope="registry" action="remove"/>`), {}, { registry });
    expect(result).toBe(true);
    expect(registry.readText('local:/keep')).toBe('c');
  });
});

describe('property: remove (reference §2.1)', () => {
  test('removes from default, axis2, transport (case-insensitive) and operation', async () => {
    const { mc } = await run(
      seq(
        `<property name="d" scope="default" action="remove"/>` +
          `<property name="HTTP_SC" scope="axis2" value="500"/><property name="HTTP_SC" scope="axis2" action="remove"/>` +
          `<property name="x-remove-me" scope="transport" action="remove"/>` +
          `<property name="o" scope="operation" value="1"/><property name="o" scope="operation" action="remove"/>`,
      ),
      { properties: { d: 'x' }, headers: { 'X-Remove-Me': '1', 'X-Keep': '2' } },
    );
    expect(mc.properties.has('d')).toBe(false);
    expect(mc.axis2.has('HTTP_SC')).toBe(false);
    expect(mc.headers.has('X-Remove-Me')).toBe(false);
    expect(mc.headers.get('X-Keep')).toBe('2');
    expect(mc.operation.has('o')).toBe(false);
  });

  test('remove needs no value', async () => {
    expect(diagnose(seq(`<property name="p" action="remove"/>`))).toEqual([]);
  });

  test('removing a property that is not set is fine', async () => {
    const { result } = await run(seq(`<property name="nothing" action="remove"/>`));
    expect(result).toBe(true);
  });
});

describe('property: load errors (reference §2.1)', () => {
  const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

  test('name is required', () => {
    expect(diagnose(seq(`\n  <property value="x"/>`))).toEqual([at(2, 3, '<property> needs the attribute "name"'), at(2, 3, '<property> needs a non-empty name')]);
  });

  test('an empty name is an error at the attribute', () => {
    expect(diagnose(seq(`\n  <property name=" " value="x"/>`))).toEqual([at(2, 13, '<property> needs a non-empty name')]);
  });

  test('set needs value, expression or a child element', () => {
    expect(diagnose(seq(`\n  <property name="p"/>`))).toEqual([at(2, 3, '<property name="p"> needs value, expression or an inline XML child')]);
  });

  test.each(['env', 'file', 'Transport', 'globals'])('scope="%s" is refused at the attribute', (scope) => {
    expect(diagnose(seq(`\n  <property name="p" scope="${scope}" value="x"/>`))).toEqual([
      at(2, 22, `<property> scope="${scope}" is not one of default, transport, axis2, axis2-client, operation, registry, system, trace, analytics`),
    ]);
  });

  test('an unknown type is refused at the attribute', () => {
    expect(diagnose(seq(`\n  <property name="p" type="NUMBER" value="1"/>`))).toEqual([
      at(2, 22, '<property> type="NUMBER" is not one of STRING, INTEGER, LONG, DOUBLE, FLOAT, BOOLEAN, SHORT, OM, JSON'),
    ]);
  });

  test('a typed literal that does not convert is an error at the value', () => {
    expect(diagnose(seq(`\n  <property name="t" type="LONG" value="12.0"/>`))).toEqual([at(2, 34, 'property "t": the value "12.0" cannot be converted to LONG')]);
    expect(diagnose(seq(`\n  <property name="t" type="INTEGER" value="abc"/>`))).toEqual([at(2, 37, 'property "t": the value "abc" cannot be converted to INTEGER')]);
  });

  test('group without pattern', () => {
    expect(diagnose(seq(`\n  <property name="p" value="x" group="1"/>`))).toEqual([at(2, 32, 'group needs a pattern')]);
  });

  test('a negative group', () => {
    expect(diagnose(seq(`\n  <property name="p" value="x" pattern="(a)" group="-1"/>`))).toEqual([at(2, 46, 'group must be a whole number ≥ 0, not "-1"')]);
  });

  test('an invalid pattern is an error at the attribute', () => {
    const [d] = diagnose(seq(`\n  <property name="p" value="x" pattern="(a"/>`));
    expect(d).toMatch(/^test\.xml:2:32: pattern: invalid regular expression: /);
  });

  test('an invalid expression is an error at the attribute', () => {
    const [d] = diagnose(seq(`\n  <property name="p" expression="concat("/>`));
    expect(d).toMatch(/^test\.xml:2:22: expression: invalid XPath/);
  });
});
