import { describe, expect, test } from 'vitest';
import type { Element } from '@xmldom/xmldom';
import { JsonProperty } from '../../../engine/message/typed-value.js';
import { childElements, parseXml, serializeXml } from '../../../engine/xml/dom.js';
import { bodyOf } from '../../../engine/xml/soap.js';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';
import { MemoryRegistry } from '../../support/runtime.js';

const XML = 'application/xml';
const JSON_TYPE = 'application/json';

/** A sequence `main` whose onError sequence `err` records that the fault flow ran. */
function withFaultHandler(body: string, extra = ''): string {
  return `<definitions ${SYNAPSE}>
  ${extra}
  <sequence name="main" onError="err">${body}</sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
</definitions>`;
}

function xmlOut(mc: { payload: { serialize(t: string): string | Buffer } }): string {
  return String(mc.payload.serialize(XML));
}

function jsonOut(mc: { payload: { serialize(t: string): string | Buffer } }): unknown {
  return JSON.parse(String(mc.payload.serialize(JSON_TYPE)));
}

describe('enrich in XML mode: sources (reference §2.14)', () => {
  const order = '<order><id>7</id><item>a</item><item>b</item><note/></order>';

  test('custom: the selected element replaces the target; clone (the default) leaves the source in place', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="//id"/><target xpath="//note"/></enrich>`), { body: order, contentType: XML });
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><id>7</id></order>');
  });

  test('custom: every selected element is inserted', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="//item"/><target xpath="//note" action="child"/></enrich>`), { body: order, contentType: XML });
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><note><item>a</item><item>b</item></note></order>');
  });

  test('custom with clone="false" moves the selected element', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="//id" clone="false"/><target xpath="//note" action="child"/></enrich>`), {
      body: order,
      contentType: XML,
    });
    expect(xmlOut(mc)).toBe('<order><item>a</item><item>b</item><note><id>7</id></note></order>');
  });

  test('custom: text nodes and attributes are text, which replaces the target element\'s content', async () => {
    const body = '<r><a code="X1">old<b/></a><c>from text</c></r>';
    const fromText = await run(seq(`<enrich><source xpath="//c/text()"/><target xpath="//a"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(fromText.mc)).toBe('<r><a code="X1">from text</a><c>from text</c></r>');
    const fromAttribute = await run(seq(`<enrich><source xpath="//a/@code"/><target xpath="//c"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(fromAttribute.mc)).toBe('<r><a code="X1">old<b/></a><c>X1</c></r>');
  });

  test('custom: a string expression is text', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="concat('n-', //id)"/><target xpath="//note"/></enrich>`), { body: order, contentType: XML });
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><note>n-7</note></order>');
  });

  test('custom: a source that selects nothing logs an error and changes nothing; the flow goes on', async () => {
    const { mc, result, runtime } = await run(seq(`<enrich><source xpath="//missing"/><target xpath="//note"/></enrich><property name="after" value="1"/>`), {
      body: order,
      contentType: XML,
    });
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
    expect(xmlOut(mc)).toBe(order);
    expect(runtime.logger.lines.some((l) => l.level === 'error' && l.message.includes('selected nothing'))).toBe(true);
  });

  test('body: the first body element', async () => {
    const { mc } = await run(seq(`<enrich><source type="body"/><target type="property" property="saved"/></enrich>`), { body: order, contentType: XML });
    const saved = mc.properties.get('saved') as Element;
    expect(serializeXml(saved)).toBe(order);
    expect(saved).not.toBe(mc.payload.envelope().getElementsByTagName('order')[0]);
  });

  test('envelope: the whole envelope, stored in a property and put back as the envelope', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="envelope"/><target type="property" property="env"/></enrich>
           <payloadFactory><format><other xmlns=""/></format><args/></payloadFactory>
           <enrich><source type="property" property="env"/><target type="envelope"/></enrich>`),
      { body: order, contentType: XML },
    );
    expect((mc.properties.get('env') as Element).localName).toBe('Envelope');
    expect(xmlOut(mc)).toBe(order);
  });

  test('property: a string becomes text', async () => {
    const { mc } = await run(seq(`<enrich><source type="property" property="p"/><target xpath="//note"/></enrich>`), {
      body: order,
      contentType: XML,
      properties: { p: 'hello' },
    });
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><note>hello</note></order>');
  });

  test('property: an element (from property OM) is inserted as an element', async () => {
    const { mc } = await run(
      seq(`<property name="p" type="OM" value="&lt;extra&gt;1&lt;/extra&gt;"/><enrich><source type="property" property="p"/><target xpath="//note" action="sibling"/></enrich>`),
      { body: order, contentType: XML },
    );
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><note/><extra>1</extra></order>');
  });

  test('property: a JSON property becomes its JSON text', async () => {
    const { mc } = await run(seq(`<enrich><source type="property" property="j"/><target xpath="//note"/></enrich>`), {
      body: order,
      contentType: XML,
      properties: { j: new JsonProperty({ a: 1 }) },
    });
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><note>{"a":1}</note></order>');
  });

  test('inline: the element, in the Synapse namespace unless the author writes xmlns=""', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="inline"><added xmlns="">x</added></source><target xpath="//note" action="child"/></enrich>
           <enrich><source type="inline"><syn>y</syn></source><target xpath="//note" action="child"/></enrich>`),
      { body: order, contentType: XML },
    );
    expect(xmlOut(mc)).toBe(`<order><id>7</id><item>a</item><item>b</item><note><added xmlns="">x</added><syn xmlns="http://ws.apache.org/ns/synapse">y</syn></note></order>`);
  });

  test('inline: the configured element is copied, so every message gets it', async () => {
    const config = seq(`<enrich><source type="inline"><added xmlns="">x</added></source><target xpath="//note" action="child"/></enrich>`);
    for (let i = 0; i < 2; i++) {
      const { mc } = await run(config, { body: '<r><note/></r>', contentType: XML });
      expect(xmlOut(mc)).toBe('<r><note><added xmlns="">x</added></note></r>');
    }
  });

  test('inline: text that is not JSON is XML text', async () => {
    const { mc } = await run(seq(`<enrich><source type="inline">plain words</source><target xpath="//note"/></enrich>`), { body: order, contentType: XML });
    expect(xmlOut(mc)).toBe('<order><id>7</id><item>a</item><item>b</item><note>plain words</note></order>');
  });

  test('inline key: a local entry element', async () => {
    const config = withFaultHandler(
      `<enrich><source type="inline" key="tpl"/><target type="body"/></enrich>`,
      `<localEntry key="tpl"><greeting xmlns="">hi</greeting></localEntry>`,
    );
    const { mc } = await run(config, { body: order, contentType: XML });
    expect(xmlOut(mc)).toBe('<greeting xmlns="">hi</greeting>');
  });

  test('inline key: a registry resource, XML or text', async () => {
    const registry = new MemoryRegistry();
    await registry.write('gov:tpl/frag.xml', '<frag>r</frag>');
    await registry.write('gov:tpl/word.txt', 'registry text');
    const { mc } = await run(
      seq(`<enrich><source type="inline" key="gov:tpl/frag.xml"/><target xpath="//note" action="child"/></enrich>
           <enrich><source type="inline" key="tpl/word.txt"/><target xpath="//id"/></enrich>`),
      { body: order, contentType: XML },
      { registry },
    );
    expect(xmlOut(mc)).toBe('<order><id>registry text</id><item>a</item><item>b</item><note><frag>r</frag></note></order>');
  });

  test('inline key that nothing defines faults', async () => {
    const { mc } = await run(withFaultHandler(`<enrich><source type="inline" key="nowhere"/><target type="body"/></enrich>`), { body: order, contentType: XML });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('"nowhere"');
  });
});

describe('enrich in XML mode: targets and actions', () => {
  const body = '<r><a>1</a><b>2</b></r>';
  const extra = `<source type="inline"><x xmlns="">new</x></source>`;

  test('custom replace, child, sibling', async () => {
    const replace = await run(seq(`<enrich>${extra}<target xpath="//a"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(replace.mc)).toBe('<r><x xmlns="">new</x><b>2</b></r>');
    const child = await run(seq(`<enrich>${extra}<target xpath="//a" action="child"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(child.mc)).toBe('<r><a>1<x xmlns="">new</x></a><b>2</b></r>');
    const sibling = await run(seq(`<enrich>${extra}<target xpath="//a" action="sibling"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(sibling.mc)).toBe('<r><a>1</a><x xmlns="">new</x><b>2</b></r>');
  });

  test('custom: a text-node target takes text; an attribute target takes text', async () => {
    const text = await run(seq(`<enrich><source type="property" property="p"/><target xpath="//a/text()"/></enrich>`), {
      body,
      contentType: XML,
      properties: { p: 'T' },
    });
    expect(xmlOut(text.mc)).toBe('<r><a>T</a><b>2</b></r>');
    const attr = await run(seq(`<enrich><source type="property" property="p"/><target xpath="//a/@id"/></enrich>`), {
      body: '<r><a id="0"/></r>',
      contentType: XML,
      properties: { p: 'T' },
    });
    expect(xmlOut(attr.mc)).toBe('<r><a id="T"/></r>');
  });

  test('custom: a target xpath that selects nothing faults', async () => {
    const { mc } = await run(withFaultHandler(`<enrich>${extra}<target xpath="//missing"/></enrich>`), { body, contentType: XML });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('//missing');
  });

  test('custom on a JSON payload edits its XML form, which is what is sent', async () => {
    const { mc } = await run(seq(`<enrich><source type="inline"><c xmlns="">3</c></source><target xpath="//jsonObject" action="child"/></enrich>`), {
      body: '{"a":1}',
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual({ a: 1, c: 3 });
  });

  test('body replace, child, sibling', async () => {
    const replace = await run(seq(`<enrich>${extra}<target type="body"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(replace.mc)).toBe('<x xmlns="">new</x>');
    const child = await run(seq(`<enrich>${extra}<target type="body" action="child"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(child.mc)).toBe('<r><a>1</a><b>2</b><x xmlns="">new</x></r>');
    const sibling = await run(seq(`<enrich>${extra}<target type="body" action="sibling"/></enrich>`), { body, contentType: XML });
    expect(childElements(bodyOf(sibling.mc.payload.envelope())).map((e) => serializeXml(e))).toEqual(['<r><a>1</a><b>2</b></r>', '<x xmlns="">new</x>']);
  });

  test('body: a JSON object held as text becomes the JSON payload again', async () => {
    const { mc } = await run(seq(`<enrich><source type="property" property="saved"/><target type="body"/></enrich>`), {
      body,
      contentType: XML,
      properties: { saved: '{"restored":[1,2]}' },
    });
    expect(mc.payload.format).toBe('json');
    expect(jsonOut(mc)).toEqual({ restored: [1, 2] });
  });

  test('body: NO_ENTITY_BODY is removed so that the new body is sent', async () => {
    const { mc } = await run(seq(`<property name="NO_ENTITY_BODY" value="true" scope="axis2" type="BOOLEAN"/><enrich>${extra}<target type="body"/></enrich>`), {
      body,
      contentType: XML,
    });
    expect(mc.axis2.has('NO_ENTITY_BODY')).toBe(false);
  });

  test('envelope: only a SOAP envelope can become the envelope', async () => {
    const ok = await run(
      seq(`<enrich><source type="inline"><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><p xmlns="">1</p></soapenv:Body></soapenv:Envelope></source><target type="envelope"/></enrich>`),
      { body, contentType: XML },
    );
    expect(xmlOut(ok.mc)).toBe('<p xmlns="">1</p>');
    const bad = await run(withFaultHandler(`<enrich>${extra}<target type="envelope"/></enrich>`), { body, contentType: XML });
    expect(bad.mc.properties.get('faulted')).toBe('yes');
    expect(String(bad.mc.properties.get('ERROR_MESSAGE'))).toContain('SOAP Envelope');
  });

  test('property: one element, several elements, text', async () => {
    const { mc } = await run(
      seq(`<enrich><source xpath="//a"/><target type="property" property="one"/></enrich>
           <enrich><source xpath="/*/*/r/*"/><target type="property" property="two"/></enrich>
           <enrich><source xpath="//b/text()"/><target type="property" property="text"/></enrich>
           <property name="viaXPath" expression="$ctx:two"/>`),
      { body, contentType: XML },
    );
    expect(serializeXml(mc.properties.get('one') as Element)).toBe('<a>1</a>');
    expect((mc.properties.get('two') as Element[]).map((e) => serializeXml(e))).toEqual(['<a>1</a>', '<b>2</b>']);
    expect(mc.properties.get('text')).toBe('2');
    expect(mc.properties.get('viaXPath')).toBe('<a>1</a><b>2</b>');
  });

  test('property child: adds to a copy of the element the property holds', async () => {
    const list = parseXml('<list/>').documentElement!;
    const { mc } = await run(seq(`<enrich><source xpath="//a"/><target type="property" property="list" action="child"/></enrich>`), {
      body,
      contentType: XML,
      properties: { list },
    });
    expect(serializeXml(mc.properties.get('list') as Element)).toBe('<list><a>1</a></list>');
    expect(serializeXml(list)).toBe('<list/>');
  });

  test('property child on a property that holds no XML stores the source, as replace does', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="//a"/><target type="property" property="p" action="child"/></enrich>`), {
      body,
      contentType: XML,
      properties: { p: 'text' },
    });
    expect(serializeXml(mc.properties.get('p') as Element)).toBe('<a>1</a>');
  });

  test('remove: deletes what the source xpath selects from the body', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="//b"/><target type="body" action="remove"/></enrich>`), { body, contentType: XML });
    expect(xmlOut(mc)).toBe('<r><a>1</a></r>');
  });
});

describe('enrich clone semantics: body → property → body keeps elements (reference §10 item 13)', () => {
  test('the saved body survives later changes to the body and can be restored more than once', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="body"/><target type="property" property="orig"/></enrich>
           <payloadFactory><format><changed xmlns=""/></format><args/></payloadFactory>
           <enrich><source type="property" property="orig"/><target type="body"/></enrich>
           <property name="first" expression="//n"/>
           <payloadFactory><format><changed xmlns=""/></format><args/></payloadFactory>
           <enrich><source type="property" property="orig"/><target type="body"/></enrich>`),
      { body: '<req><n>1</n></req>', contentType: XML },
    );
    expect(mc.properties.get('first')).toBe('1');
    expect(xmlOut(mc)).toBe('<req><n>1</n></req>');
    const saved = mc.properties.get('orig') as Element;
    expect(serializeXml(saved)).toBe('<req><n>1</n></req>');
    expect(saved.parentNode).toBeNull();
  });

  test('clone="false" from the body stores the body element itself: later edits show in the property', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="body" clone="false"/><target type="property" property="live"/></enrich>
           <enrich><source type="inline"><m xmlns="">2</m></source><target xpath="//req" action="child"/></enrich>`),
      { body: '<req><n>1</n></req>', contentType: XML },
    );
    expect(serializeXml(mc.properties.get('live') as Element)).toBe('<req><n>1</n><m xmlns="">2</m></req>');
  });

  test('clone="false" both ways: putting the live body element back where it is leaves the body as it was', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="body" clone="false"/><target type="property" property="live"/></enrich>
           <enrich><source type="property" property="live" clone="false"/><target type="body"/></enrich>`),
      { body: '<req><n>1</n></req>', contentType: XML },
    );
    expect(xmlOut(mc)).toBe('<req><n>1</n></req>');
  });

  test('JSON: body → property → body', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="body"/><target type="property" property="orig"/></enrich>
           <payloadFactory media-type="json"><format>{"changed":true}</format><args/></payloadFactory>
           <enrich><source type="property" property="orig"/><target type="body"/></enrich>`),
      { body: '{"a":{"b":[1,2]}}', contentType: JSON_TYPE },
    );
    expect(mc.properties.get('orig')).toBeInstanceOf(JsonProperty);
    expect((mc.properties.get('orig') as JsonProperty).value).toEqual({ a: { b: [1, 2] } });
    expect(jsonOut(mc)).toEqual({ a: { b: [1, 2] } });
  });
});

describe('enrich in JSON mode (reference §2.14, §3.5)', () => {
  const store = '{"store":{"books":[{"t":"A"},{"t":"B"}],"name":"s"},"keep":1}';

  test('custom → custom replace', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="json-eval($.store.name)"/><target xpath="json-eval($.keep)"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual({ store: { books: [{ t: 'A' }, { t: 'B' }], name: 's' }, keep: 's' });
    expect(mc.payload.format).toBe('json');
  });

  test('child appends to an array and adds members to an object', async () => {
    const toArray = await run(seq(`<enrich><source type="inline">{"t":"C"}</source><target xpath="json-eval($.store.books)" action="child"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect((jsonOut(toArray.mc) as { store: { books: unknown[] } }).store.books).toEqual([{ t: 'A' }, { t: 'B' }, { t: 'C' }]);
    const toObject = await run(seq(`<enrich><source type="inline">{"open":true,"name":"renamed"}</source><target xpath="json-eval($.store)" action="child"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect((jsonOut(toObject.mc) as { store: unknown }).store).toEqual({ books: [{ t: 'A' }, { t: 'B' }], name: 'renamed', open: true });
    const toRoot = await run(seq(`<enrich><source type="inline">{"added":1}</source><target xpath="json-eval($)" action="child"/></enrich>`), {
      body: '{"a":0}',
      contentType: JSON_TYPE,
    });
    expect(jsonOut(toRoot.mc)).toEqual({ a: 0, added: 1 });
  });

  test('child on a scalar logs an error and changes nothing', async () => {
    const { mc, runtime } = await run(seq(`<enrich><source type="inline">{"x":1}</source><target xpath="json-eval($.keep)" action="child"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual(JSON.parse(store));
    expect(runtime.logger.lines.some((l) => l.level === 'error' && l.message.includes('cannot add a child'))).toBe(true);
  });

  test('sibling inserts after the array item', async () => {
    const { mc } = await run(seq(`<enrich><source type="inline">{"t":"A2"}</source><target xpath="json-eval($.store.books[0])" action="sibling"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect((jsonOut(mc) as { store: { books: unknown[] } }).store.books).toEqual([{ t: 'A' }, { t: 'A2' }, { t: 'B' }]);
  });

  test('replace of a path that matches nothing leaves the payload as it was (Jayway set)', async () => {
    const { mc, runtime } = await run(seq(`<enrich><source type="inline">5</source><target xpath="json-eval($.absent)"/></enrich>`), {
      body: '{"a":1}',
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual({ a: 1 });
    expect(runtime.logger.lines.some((l) => l.level === 'warn' && l.message.includes('matched nothing'))).toBe(true);
  });

  test('a JSON source that matches nothing faults', async () => {
    const { mc } = await run(withFaultHandler(`<enrich><source xpath="json-eval($.nothing)"/><target type="property" property="p"/></enrich>`), {
      body: '{"a":1}',
      contentType: JSON_TYPE,
    });
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('clone="false" moves the value within the payload', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="json-eval($.store.name)" clone="false"/><target xpath="json-eval($.keep)"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual({ store: { books: [{ t: 'A' }, { t: 'B' }] }, keep: 's' });
  });

  test('target body replaces the whole payload; a scalar cannot be the body', async () => {
    const replaced = await run(seq(`<enrich><source xpath="json-eval($.store.books)"/><target type="body"/></enrich>`), { body: store, contentType: JSON_TYPE });
    expect(jsonOut(replaced.mc)).toEqual([{ t: 'A' }, { t: 'B' }]);
    const scalar = await run(seq(`<enrich><source xpath="json-eval($.keep)"/><target type="body"/></enrich>`), { body: store, contentType: JSON_TYPE });
    expect(jsonOut(scalar.mc)).toEqual(JSON.parse(store));
    expect(scalar.runtime.logger.lines.some((l) => l.level === 'error' && l.message.includes('only a JSON object or array'))).toBe(true);
  });

  test('target body on an empty payload sets the JSON payload', async () => {
    const { mc } = await run(seq(`<enrich><source type="inline">{"created":true}</source><target type="body"/></enrich>`), { method: 'GET' });
    expect(mc.payload.format).toBe('json');
    expect(mc.payload.json()).toEqual({ created: true });
  });

  test('target property stores a JSON property; a string source stays a JSON string, quoted like Gson\'s JsonPrimitive', async () => {
    const { mc } = await run(
      seq(`<enrich><source xpath="json-eval($.store.books[1])"/><target type="property" property="book"/></enrich>
           <enrich><source xpath="json-eval($.store.name)"/><target type="property" property="name"/></enrich>
           <property name="title" expression="json-eval($ctx:book.t)"/>`),
      { body: store, contentType: JSON_TYPE },
    );
    expect(mc.properties.get('book')).toEqual(new JsonProperty({ t: 'B' }));
    expect(mc.properties.get('title')).toBe('B');
    expect(String(mc.properties.get('name'))).toBe('"s"');
  });

  test('target property child appends to the JSON array the property holds', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="json-eval($.keep)"/><target type="property" property="list" action="child"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
      properties: { list: '[0]' },
    });
    expect((mc.properties.get('list') as JsonProperty).value).toEqual([0, 1]);
  });

  test('target property child adds members to the JSON object the property holds (docs/compatibility.md)', async () => {
    const { mc } = await run(seq(`<enrich><source type="inline">{"b":2}</source><target type="property" property="obj" action="child"/></enrich>`), {
      body: '{}',
      contentType: JSON_TYPE,
      properties: { obj: new JsonProperty({ a: 1 }) },
    });
    expect((mc.properties.get('obj') as JsonProperty).value).toEqual({ a: 1, b: 2 });
  });

  test('a property holding JSON text is a JSON source', async () => {
    const { mc } = await run(seq(`<enrich><source type="property" property="p"/><target xpath="json-eval($.keep)"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
      properties: { p: '{"n":[1]}' },
    });
    expect((jsonOut(mc) as { keep: unknown }).keep).toEqual({ n: [1] });
  });

  test('a property holding XML sends the mediator to XML mode, where a JSONPath target faults', async () => {
    const { mc } = await run(
      withFaultHandler(`<property name="p" type="OM" value="&lt;x/&gt;"/><enrich><source type="property" property="p"/><target xpath="json-eval($.keep)"/></enrich>`),
      { body: store, contentType: JSON_TYPE },
    );
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('an XML payload with a JSONPath target faults: JSONPath writes need a JSON payload', async () => {
    const { mc } = await run(withFaultHandler(`<enrich><source type="inline">{"a":1}</source><target xpath="json-eval($.a)"/></enrich>`), {
      body: '<a>1</a>',
      contentType: XML,
    });
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('inline key: a local entry holding JSON text', async () => {
    const config = withFaultHandler(
      `<enrich><source type="inline" key="defaults"/><target xpath="json-eval($.store)" action="child"/></enrich>`,
      `<localEntry key="defaults">{"currency":"EUR"}</localEntry>`,
    );
    const { mc } = await run(config, { body: store, contentType: JSON_TYPE });
    expect((jsonOut(mc) as { store: { currency: string } }).store.currency).toBe('EUR');
  });

  test('remove deletes every listed path from the body', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="json-eval($.store.books[*].t,$.keep)"/><target type="body" action="remove"/></enrich>`), {
      body: store,
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual({ store: { books: [{}, {}], name: 's' } });
  });

  test('remove of array items removes each of them', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="json-eval($.a[?(@ > 1)])"/><target type="body" action="remove"/></enrich>`), {
      body: '{"a":[1,2,3,1]}',
      contentType: JSON_TYPE,
    });
    expect(jsonOut(mc)).toEqual({ a: [1, 1] });
  });

  test('remove deletes from the JSON a property holds', async () => {
    const { mc } = await run(seq(`<enrich><source xpath="json-eval($.secret)"/><target type="property" property="p" action="remove"/></enrich>`), {
      properties: { p: '{"secret":"x","open":1}' },
    });
    expect((mc.properties.get('p') as JsonProperty).value).toEqual({ open: 1 });
  });

  test('__proto__ keys stay own members and never reach Object.prototype', async () => {
    const { mc } = await run(
      seq(`<enrich><source type="inline">{"__proto__":{"polluted":true}}</source><target xpath="json-eval($.o)" action="child"/></enrich>
           <enrich><source type="inline">{"polluted":true}</source><target xpath="json-eval($['__proto__'])"/></enrich>`),
      { body: '{"o":{},"__proto__":{}}', contentType: JSON_TYPE },
    );
    const out = mc.payload.json() as { o: object };
    expect(Object.prototype.hasOwnProperty.call(out.o, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out.o)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(String(mc.payload.serialize(JSON_TYPE))).toBe('{"o":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true}}');
  });
});

describe('enrich load errors (reference §2.14)', () => {
  function errorsOf(source: string, target: string): string[] {
    return diagnose(seq(`\n  <enrich>\n    ${source}\n    ${target}\n  </enrich>`));
  }

  test.each([
    ['<source type="envelope"/>', '<target xpath="//a"/>', 'envelope', 'custom'],
    ['<source type="envelope"/>', '<target type="envelope"/>', 'envelope', 'envelope'],
    ['<source type="envelope"/>', '<target type="body"/>', 'envelope', 'body'],
    ['<source type="body"/>', '<target type="body"/>', 'body', 'body'],
    ['<source type="body"/>', '<target type="envelope"/>', 'body', 'envelope'],
    ['<source xpath="//a"/>', '<target type="envelope"/>', 'custom', 'envelope'],
  ])('%s with %s is refused at the <enrich> line', (source, target, s, t) => {
    expect(errorsOf(source, target)).toEqual([`test.xml:2:3: <enrich> cannot combine source type "${s}" with target type "${t}"`]);
  });

  test('target type inline', () => {
    expect(errorsOf('<source type="body"/>', '<target type="inline"/>')).toEqual([
      'test.xml:4:13: target type "inline" is not allowed: inline is a source type only',
    ]);
  });

  test('target envelope with an action other than replace', () => {
    expect(errorsOf('<source type="property" property="p"/>', '<target type="envelope" action="child"/>')).toEqual([
      'test.xml:4:29: <enrich> cannot combine target type "envelope" with action "child": an envelope can only be replaced',
    ]);
  });

  test('target key (with or without a replace action) and target variable are unsupported', () => {
    expect(errorsOf('<source type="inline">new</source>', '<target type="key" xpath="json-eval($.a)" action="child"/>')).toEqual([
      'test.xml:4:13: unsupported target type "key" (renaming a JSON key): Mediate does not implement it',
    ]);
    expect(errorsOf('<source type="body"/>', '<target type="variable"/>')).toEqual([
      'test.xml:4:13: unsupported target type "variable" (Micro Integrator 4.4 variables): Mediate does not implement it',
    ]);
  });

  test('replace on the JSONPath root; child on it is fine', () => {
    const message = 'action "replace" on the JSONPath root $ is not allowed: use <target type="body"/> to replace the whole payload';
    expect(errorsOf('<source type="body"/>', '<target xpath="json-eval($)"/>')).toEqual([`test.xml:4:13: ${message}`]);
    expect(errorsOf('<source type="body"/>', '<target xpath="json-eval($.)" action="replace"/>')).toEqual([`test.xml:4:13: ${message}`]);
    expect(errorsOf('<source type="inline">{"a":1}</source>', '<target xpath="json-eval($)" action="child"/>')).toEqual([]);
  });

  test('missing xpath, property, inline content; missing source or target', () => {
    expect(errorsOf('<source/>', '<target type="body"/>')).toEqual(['test.xml:3:5: <source type="custom"> needs an xpath attribute']);
    expect(errorsOf('<source type="property"/>', '<target type="property"/>')).toEqual([
      'test.xml:3:5: <source type="property"> needs a property attribute',
      'test.xml:4:5: <target type="property"> needs a property attribute',
    ]);
    expect(errorsOf('<source type="inline"> </source>', '<target type="body"/>')).toEqual([
      'test.xml:3:5: <source type="inline"> needs an inline XML element, text, or a key attribute',
    ]);
    expect(diagnose(seq('\n  <enrich><source type="body"/></enrich>'))).toEqual(['test.xml:2:3: <enrich> needs a <source> and a <target>']);
  });

  test('unknown types and actions', () => {
    expect(errorsOf('<source type="xml"/>', '<target type="body" action="append"/>')).toEqual([
      'test.xml:3:13: <source> type="xml" is not one of custom, envelope, body, property, inline',
      'test.xml:4:25: <target> action="append" is not one of replace, child, sibling, remove',
    ]);
  });

  test('remove needs a custom source and a body or property target', () => {
    expect(errorsOf('<source type="body"/>', '<target type="property" property="p" action="remove"/>')).toEqual([
      'test.xml:2:3: <enrich> cannot combine action "remove" with source type "body": remove deletes what the source\'s xpath selects',
    ]);
    expect(errorsOf('<source xpath="json-eval($.a)"/>', '<target xpath="json-eval($.b)" action="remove"/>')).toEqual([
      'test.xml:2:3: <enrich> cannot combine action "remove" with target type "custom": remove deletes from the body or a property',
    ]);
    expect(errorsOf('<source xpath="//a"/>', '<target type="property" property="p" action="remove"/>')).toEqual([
      'test.xml:2:3: <enrich> cannot combine action "remove" with target type "property" and an XPath source: removing from a property takes json-eval paths',
    ]);
  });

  test('a JSONPath target must be a plain path into the payload', () => {
    expect(errorsOf('<source type="body"/>', '<target xpath="json-eval($ctx:p.a)" action="child"/>')).toEqual([
      'test.xml:4:13: the target json-eval($ctx:p.a) must be one path into the JSON payload: property-relative ($ctx:), dynamic ({…}) and listed paths cannot be written to',
    ]);
  });

  test('unknown attributes on <source>/<target> are warned about, as Synapse ignores them', () => {
    expect(errorsOf('<source xpth="//a" type="body"/>', '<target type="property" property="p"/>')).toEqual([
      'test.xml:3:13: warning: <source> has no attribute "xpth" (did you mean "xpath"?); Synapse ignores it',
    ]);
  });

  test('a clone value other than true/false is read as false, with a warning', async () => {
    expect(errorsOf('<source xpath="//a" clone="yes"/>', '<target type="property" property="p"/>')).toEqual([
      'test.xml:3:25: warning: clone="yes" is neither true nor false; Synapse reads it as false',
    ]);
  });
});
