import { describe, expect, test } from 'vitest';
import { serializeXml } from '../../../engine/xml/dom.js';
import { firstBodyChild, headerOf, PAYLOAD_NS } from '../../../engine/xml/soap.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { MemoryRegistry } from '../../support/runtime.js';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;
const SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/';

/** The first body element as XML; the `xmlns=""` that a format written with it carries is left out. */
function body(mc: MessageContext): string {
  const first = firstBodyChild(mc.payload.envelope());
  return first ? serializeXml(first).replace(/ xmlns=""/g, '') : '';
}

function json(mc: MessageContext): unknown {
  return JSON.parse(String(mc.payload.serialize('application/json')));
}

function withFaultHandler(main: string, extra = ''): string {
  return `<definitions ${SYNAPSE}>
  <sequence name="main" onError="err">${main}</sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
  ${extra}
</definitions>`;
}

describe('payloadFactory media-type="xml" (reference §2.9)', () => {
  test('$n is replaced by the n-th argument, literal or expression; the result becomes the body', async () => {
    const { mc, result } = await run(
      seq(`<payloadFactory media-type="xml"><format><order xmlns=""><id>$1</id><who>$2</who><again>$1</again></order></format><args><arg value="7"/><arg expression="$ctx:user"/></args></payloadFactory>`),
      { properties: { user: 'bob' }, body: '{"old":true}', contentType: 'application/json' },
    );
    expect(result).toBe(true);
    expect(body(mc)).toBe('<order><id>7</id><who>bob</who><again>7</again></order>');
    expect(mc.payload.format).not.toBe('json');
  });

  test('media-type defaults to xml', async () => {
    const { mc } = await run(seq(`<payloadFactory><format><a xmlns="">$1</a></format><args><arg value="x"/></args></payloadFactory>`));
    expect(body(mc)).toBe('<a>x</a>');
  });

  test('unprefixed format elements inherit the Synapse namespace unless xmlns="" is written', async () => {
    const { mc } = await run(
      seq(`<payloadFactory><format><order><id>$1</id></order></format><args><arg value="1"/></args></payloadFactory><property xmlns:s="http://ws.apache.org/ns/synapse" name="id" expression="$body/s:order/s:id"/><property name="plain" expression="$body/order/id"/>`),
    );
    const first = firstBodyChild(mc.payload.envelope())!;
    expect(first.namespaceURI).toBe('http://ws.apache.org/ns/synapse');
    expect(mc.properties.get('id')).toBe('1');
    expect(mc.properties.get('plain')).toBe('');
  });

  test('whitespace-only text nodes of the format are stripped', async () => {
    const { mc } = await run(
      seq(`<payloadFactory>
        <format>
          <order xmlns="">
            <id>$1</id>
            <note> keep me </note>
          </order>
        </format>
        <args><arg value="1"/></args>
      </payloadFactory>`),
    );
    expect(body(mc)).toBe('<order><id>1</id><note> keep me </note></order>');
  });

  test('a literal value is XML-escaped unless it is XML', async () => {
    const { mc } = await run(
      seq(`<payloadFactory><format><r xmlns=""><a>$1</a><b>$2</b></r></format><args><arg value="a&lt;b &amp; &quot;c&quot;"/><arg value="&lt;x&gt;1&lt;/x&gt;"/></args></payloadFactory>`),
    );
    expect(body(mc)).toBe('<r><a>a&lt;b &amp; "c"</a><b><x>1</x></b></r>');
  });

  test('an expression value is XML-escaped; null becomes ""', async () => {
    const { mc } = await run(
      seq(`<payloadFactory><format><r xmlns=""><a>$1</a><b>$2</b></r></format><args><arg expression="$ctx:v"/><arg expression="get-property('missing')"/></args></payloadFactory><property name="a" expression="$body/r/a"/>`),
      { properties: { v: "Tom & Jerry's <show>" } },
    );
    expect(mc.properties.get('a')).toBe("Tom & Jerry's <show>");
    expect(body(mc)).toMatch(/^<r><a>Tom &amp; Jerry('|&apos;)s &lt;show(>|&gt;)<\/a><b\/?>(<\/b>)?<\/r>$/);
  });

  test('an XPath argument that is XML is inserted as XML', async () => {
    const { mc } = await run(seq(`<payloadFactory><format><wrap xmlns="">$1</wrap></format><args><arg expression="$body/order"/></args></payloadFactory>`), {
      body: '<order><id>7</id><item>a</item></order>',
      contentType: 'application/xml',
    });
    expect(body(mc)).toBe('<wrap><order><id>7</id><item>a</item></order></wrap>');
  });

  test('a JSONPath argument that is JSON is converted to XML without the <jsonObject> wrapper', async () => {
    const { mc } = await run(
      seq(`<payloadFactory><format><wrap xmlns="">$1</wrap></format><args><arg evaluator="json" expression="$.item"/></args></payloadFactory>`),
      { body: '{"item":{"id":5,"name":"n"}}', contentType: 'application/json' },
    );
    expect(body(mc)).toBe('<wrap><id>5</id><name>n</name></wrap>');
  });

  test('evaluator="json" accepts an expression already wrapped in json-eval(…)', async () => {
    const { mc } = await run(
      seq(`<payloadFactory><format><wrap xmlns="">$1</wrap></format><args><arg evaluator="json" expression="json-eval($.item.name)"/></args></payloadFactory>`),
      { body: '{"item":{"name":"n&m"}}', contentType: 'application/json' },
    );
    expect(body(mc)).toBe('<wrap>n&amp;m</wrap>');
  });

  test('an XPath string that merely looks like JSON is escaped text, not converted', async () => {
    const { mc } = await run(seq(`<payloadFactory><format><wrap xmlns="">$1</wrap></format><args><arg expression="$ctx:saved"/></args></payloadFactory><property name="t" expression="$body/wrap"/>`), {
      properties: { saved: '{"a":1}' },
    });
    expect(mc.properties.get('t')).toBe('{"a":1}');
    expect(body(mc)).toMatch(/^<wrap>\{("|&quot;)a("|&quot;):1\}<\/wrap>$/);
  });

  test('⚠ a SOAP Envelope format replaces the whole envelope, headers included', async () => {
    const { mc } = await run(
      seq(`<header xmlns:m="urn:m" name="m:Old" value="gone"/>
      <payloadFactory media-type="xml">
        <format>
          <soapenv:Envelope xmlns:soapenv="${SOAPENV}">
            <soapenv:Header><h:Auth xmlns:h="urn:h">$2</h:Auth></soapenv:Header>
            <soapenv:Body><getQuote xmlns="urn:q"><symbol>$1</symbol></getQuote></soapenv:Body>
          </soapenv:Envelope>
        </format>
        <args><arg value="IBM"/><arg value="token"/></args>
      </payloadFactory>`),
      { body: '<a/>', contentType: 'application/xml' },
    );
    const envelope = mc.payload.envelope();
    const header = headerOf(envelope, false)!;
    expect([...Array.from({ length: header.childNodes.length }, (_, i) => header.childNodes.item(i))].map((n) => n!.localName)).toEqual(['Auth']);
    expect(header.textContent).toBe('token');
    const first = firstBodyChild(envelope)!;
    expect(first.localName).toBe('getQuote');
    expect(first.namespaceURI).toBe('urn:q');
    expect(first.textContent).toBe('IBM');
    expect(String(mc.payload.serialize('text/xml'))).toContain('<h:Auth xmlns:h="urn:h">token</h:Auth>');
  });

  test('content type: application/xml unless the message is already XML or SOAP', async () => {
    const fromJson = await run(seq(`<payloadFactory><format><a xmlns=""/></format></payloadFactory>`), { body: '{}', contentType: 'application/json' });
    expect(fromJson.mc.axis2.get('messageType')).toBe('application/xml');
    expect(fromJson.mc.axis2.get('ContentType')).toBe('application/xml');
    expect(fromJson.mc.headers.get('content-type')).toBe('application/xml');
    for (const type of ['text/xml', 'application/soap+xml', 'application/xml']) {
      const { mc } = await run(seq(`<payloadFactory><format><a xmlns=""/></format></payloadFactory>`), { body: '<x/>', contentType: type });
      expect(mc.axis2.get('messageType')).toBe(type);
    }
  });

  test('a format that does not parse faults with "Error creating SOAP Envelope"', async () => {
    const { mc } = await run(
      withFaultHandler(`<payloadFactory><format key="broken"/></payloadFactory>`, `<localEntry key="broken">&lt;a&gt;$1</localEntry>`),
    );
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('Error creating SOAP Envelope');
  });
});

describe('payloadFactory media-type="json" (reference §2.9)', () => {
  test('$n substitution into a JSON format; content type set to application/json everywhere', async () => {
    const { mc } = await run(
      seq(`<payloadFactory media-type="json"><format>{"name":"$1","age":$2,"tags":["$1"]}</format><args><arg expression="$ctx:name"/><arg value="42"/></args></payloadFactory>`),
      { properties: { name: 'Ann' }, body: '<a/>', contentType: 'application/xml' },
    );
    expect(json(mc)).toEqual({ name: 'Ann', age: 42, tags: ['Ann'] });
    expect(mc.payload.format).toBe('json');
    expect(mc.axis2.get('messageType')).toBe('application/json');
    expect(mc.axis2.get('ContentType')).toBe('application/json');
    expect(mc.headers.get('Content-Type')).toBe('application/json');
  });

  test('string arguments are JSON-escaped: quotes, backslashes, control characters', async () => {
    const nasty = 'say "hi"\\ \n\tend';
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>{"v":"$1"}</format><args><arg expression="$ctx:v"/></args></payloadFactory>`), {
      properties: { v: nasty },
    });
    expect(json(mc)).toEqual({ v: nasty });
  });

  test('a literal value is XML-escaped before insertion, as Synapse does for every media type', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>{"a":"$1","b":"$2"}</format><args><arg value="Tom &amp; Jerry"/><arg value='say "hi"'/></args></payloadFactory>`));
    expect(json(mc)).toEqual({ a: 'Tom &amp; Jerry', b: 'say &quot;hi&quot;' });
  });

  test('an XPath argument that is XML becomes JSON members', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>{"order":{$1}}</format><args><arg expression="$body/order/id"/></args></payloadFactory>`), {
      body: '<order><id>7</id></order>',
      contentType: 'application/xml',
    });
    expect(json(mc)).toEqual({ order: { id: 7 } });
  });

  test('literal="true" keeps an XML-looking argument a plain string', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>{"raw":"$1"}</format><args><arg expression="$ctx:x" literal="true"/></args></payloadFactory>`), {
      properties: { x: '<a>1</a>' },
    });
    expect(json(mc)).toEqual({ raw: '<a>1</a>' });
  });

  test('⚠ a string starting with { or [ is inserted raw: a saved JSON body is put back with format $1', async () => {
    const saved = '{"a":[1,2],"b":{"c":"d"}}';
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>$1</format><args><arg expression="$ctx:saved"/></args></payloadFactory>`), {
      properties: { saved },
      body: '{"other":1}',
      contentType: 'application/json',
    });
    expect(json(mc)).toEqual({ a: [1, 2], b: { c: 'd' } });
  });

  test('⚠ a JSON array string is inserted raw too, from a property or a JSONPath argument', async () => {
    const fromProperty = await run(seq(`<payloadFactory media-type="json"><format>{"list":$1}</format><args><arg expression="$ctx:list"/></args></payloadFactory>`), {
      properties: { list: '[1,"two"]' },
    });
    expect(json(fromProperty.mc)).toEqual({ list: [1, 'two'] });
    const fromJsonPath = await run(seq(`<payloadFactory media-type="json"><format>{"items":$1}</format><args><arg evaluator="json" expression="$.data.items"/></args></payloadFactory>`), {
      body: '{"data":{"items":[{"id":1},{"id":2}]}}',
      contentType: 'application/json',
    });
    expect(json(fromJsonPath.mc)).toEqual({ items: [{ id: 1 }, { id: 2 }] });
  });

  test('a JSONPath scalar is inserted as its text', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>{"n":$1,"s":"$2"}</format><args><arg evaluator="json" expression="$.n"/><arg evaluator="json" expression="$.s"/></args></payloadFactory>`), {
      body: '{"n":3,"s":"x"}',
      contentType: 'application/json',
    });
    expect(json(mc)).toEqual({ n: 3, s: 'x' });
  });

  test('ERROR_CODE renders unquoted when the template has no quotes (reference §7.1)', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><sequence key="missing"/></sequence>
  <sequence name="err"><payloadFactory media-type="json"><format>{"code":$1,"message":"$2"}</format><args><arg expression="$ctx:ERROR_CODE"/><arg expression="$ctx:ERROR_MESSAGE"/></args></payloadFactory></sequence>
</definitions>`);
    const out = json(mc) as { code: unknown; message: string };
    expect(out.code).toBe(0);
    expect(out.message).toContain('missing');
  });

  test('QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON=true quotes strings but not numbers, booleans or null', async () => {
    const { mc } = await run(
      seq(`<property name="QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON" value="true"/><payloadFactory media-type="json"><format>{"s":$1,"n":$2,"b":$3,"z":$4,"d":$5}</format><args><arg value="abc"/><arg value="-1.5e3"/><arg value="true"/><arg value="null"/><arg value="12"/></args></payloadFactory>`),
    );
    expect(json(mc)).toEqual({ s: 'abc', n: -1500, b: true, z: null, d: 12 });
  });

  test('the format is the text content of <format>, trimmed', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="json">
      <format>
        {"a": "$1"}
      </format>
      <args><arg value="x"/></args>
    </payloadFactory>`));
    expect(json(mc)).toEqual({ a: 'x' });
  });

  test('an empty JSON result leaves no payload', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format>$1</format><args><arg expression="get-property('missing')"/></args></payloadFactory>`), {
      body: '{"a":1}',
      contentType: 'application/json',
    });
    expect(mc.payload.isEmpty).toBe(true);
    expect(mc.payload.serialize('application/json')).toBe('');
  });

  test('invalid JSON output faults', async () => {
    const { mc } = await run(withFaultHandler(`<payloadFactory media-type="json"><format>{"a":$1}</format><args><arg value="not json"/></args></payloadFactory>`));
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toMatch(/^payloadFactory produced invalid JSON: Unexpected token/);
  });

  test('the JSON text produced is what is sent, as it is, and is parsed only for a reader', async () => {
    const { mc } = await run(
      seq(`<payloadFactory media-type="json"><format>{ "id": $1, "who": "$2" }</format><args><arg value="7"/><arg expression="json-eval($.user.name)"/></args></payloadFactory>`),
      { body: '{"user":{"name":"bob"}}', contentType: 'application/json' },
    );
    expect(mc.payload.serialize(mc.messageType)).toBe('{ "id": 7, "who": "bob" }');
    expect(mc.payload.jsonText()).toBe('{ "id": 7, "who": "bob" }');
    expect(json(mc)).toEqual({ id: 7, who: 'bob' });
  });

  test('the produced text gives way to the value once a mediator edits it', async () => {
    const { mc } = await run(
      seq(`<payloadFactory media-type="json"><format>{ "id": 7 }</format><args/></payloadFactory><enrich><source type="inline">{"extra":1}</source><target xpath="json-eval($)" action="child"/></enrich>`),
    );
    expect(mc.payload.serialize(mc.messageType)).toBe('{"id":7,"extra":1}');
  });

  test('a $n with no such argument only logs an error; the text is left as it is', async () => {
    const { mc, result, runtime } = await run(seq(`<payloadFactory media-type="json"><format>{"a":"$1","b":"$2"}</format><args><arg value="x"/></args></payloadFactory>`));
    expect(result).toBe(true);
    expect(json(mc)).toEqual({ a: 'x', b: '$2' });
    expect(runtime.logger.lines.some((l) => l.level === 'error' && l.message.includes('$2'))).toBe(true);
  });

  test('NO_ENTITY_BODY is cleared', async () => {
    const { mc } = await run(seq(`<property name="NO_ENTITY_BODY" scope="axis2" type="BOOLEAN" value="true"/><payloadFactory media-type="json"><format>{}</format></payloadFactory>`));
    expect(mc.axis2.has('NO_ENTITY_BODY')).toBe(false);
  });
});

describe('payloadFactory media-type="text" (reference §2.9)', () => {
  test('the body becomes a text wrapper; content type text/plain', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="text"><format>Hello $1, you owe $2</format><args><arg expression="$ctx:who"/><arg expression="$ctx:amount"/></args></payloadFactory><property xmlns:p="${PAYLOAD_NS}" name="t" expression="$body/p:text"/>`), {
      properties: { who: 'Ann', amount: '<5> & more' },
      body: '{"a":1}',
      contentType: 'application/json',
    });
    expect(mc.payload.serialize('text/plain')).toBe('Hello Ann, you owe <5> & more');
    expect(mc.properties.get('t')).toBe('Hello Ann, you owe <5> & more');
    expect(mc.axis2.get('messageType')).toBe('text/plain');
    expect(mc.axis2.get('ContentType')).toBe('text/plain');
    expect(mc.headers.get('content-type')).toBe('text/plain');
  });

  test('a literal value is XML-escaped in text too (Synapse escapes literals whatever the media type)', async () => {
    const { mc } = await run(seq(`<payloadFactory media-type="text"><format>[$1]</format><args><arg value="&lt;5&gt;"/></args></payloadFactory>`));
    expect(mc.payload.serialize('text/plain')).toBe('[&lt;5&gt;]');
  });
});

describe('payloadFactory format key (reference §2.9)', () => {
  test('a local entry holding XML is the format', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <localEntry key="fmt"><greeting xmlns="">Hi $1</greeting></localEntry>
  <sequence name="main"><payloadFactory><format key="fmt"/><args><arg value="Ann"/></args></payloadFactory></sequence>
</definitions>`);
    expect(body(mc)).toBe('<greeting>Hi Ann</greeting>');
  });

  test('an XML format from a local entry has its indentation removed', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <localEntry key="fmt">
    <order xmlns="">
      <id>$1</id>
    </order>
  </localEntry>
  <sequence name="main"><payloadFactory><format key="fmt"/><args><arg value="5"/></args></payloadFactory></sequence>
</definitions>`);
    expect(body(mc)).toBe('<order><id>5</id></order>');
  });

  test('an XML registry resource as format has its indentation removed; a text one is used as it is', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('gov:/formats/order.xml', { content: '<order>\n  <id>$1</id>\n</order>', properties: new Map() });
    registry.resources.set('gov:/formats/order.txt', { content: 'id: $1\n  end', properties: new Map() });
    const xml = await run(seq(`<payloadFactory><format key="gov:/formats/order.xml"/><args><arg value="5"/></args></payloadFactory>`), {}, { registry });
    expect(body(xml.mc)).toBe('<order><id>5</id></order>');
    const text = await run(seq(`<payloadFactory media-type="text"><format key="gov:/formats/order.txt"/><args><arg value="5"/></args></payloadFactory>`), {}, { registry });
    expect(text.mc.payload.serialize('text/plain')).toBe('id: 5\n  end');
  });

  test('a dynamic key reads the registry when no local entry has it', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('gov:/formats/out.json', { content: '{"id":"$1"}', properties: new Map() });
    const { mc } = await run(seq(`<payloadFactory media-type="json"><format key="{$ctx:fmt}"/><args><arg value="9"/></args></payloadFactory>`), { properties: { fmt: 'gov:/formats/out.json' } }, { registry });
    expect(json(mc)).toEqual({ id: '9' });
  });

  test('a missing key faults with "Key … not found"', async () => {
    const { mc } = await run(withFaultHandler(`<payloadFactory><format key="nowhere"/></payloadFactory>`), {}, { registry: new MemoryRegistry() });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(mc.properties.get('ERROR_MESSAGE')).toBe('Key nowhere not found');
  });
});

describe('payloadFactory: load errors (reference §2.9)', () => {
  test('template-type freemarker is refused, whatever its case', () => {
    expect(diagnose(seq(`\n  <payloadFactory media-type="json" template-type="FreeMarker"><format><![CDATA[{"a":"\${payload.a}"}]]></format></payloadFactory>`))).toContain(
      at(2, 37, 'template-type="freemarker" is not supported; use the default template type with $n arguments'),
    );
  });

  test('any other template-type means default', () => {
    expect(diagnose(seq(`<payloadFactory template-type="regex"><format><a xmlns=""/></format></payloadFactory>`))).toEqual([]);
  });

  test('format is required', () => {
    expect(diagnose(seq(`\n  <payloadFactory><args/></payloadFactory>`))).toEqual([at(2, 3, '<payloadFactory> needs a <format>')]);
  });

  test('an invalid media-type', () => {
    expect(diagnose(seq(`\n  <payloadFactory media-type="csv"><format>a</format></payloadFactory>`))).toEqual([
      at(2, 19, '<payloadFactory> media-type="csv" is not one of xml, json, text'),
    ]);
  });

  test('an arg with expression="" (or neither value nor expression)', () => {
    expect(diagnose(seq(`\n  <payloadFactory>\n    <format><a xmlns="">$1</a></format>\n    <args>\n      <arg expression=""/>\n      <arg/>\n    </args>\n  </payloadFactory>`))).toEqual([
      at(5, 7, '<arg> needs value="..." or a non-empty expression="..."'),
      at(6, 7, '<arg> needs value="..." or a non-empty expression="..."'),
    ]);
  });

  test('an arg expression that does not compile is reported at the attribute', () => {
    const d = diagnose(seq(`\n  <payloadFactory>\n    <format><a xmlns="">$1</a></format>\n    <args><arg expression="concat("/></args>\n  </payloadFactory>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:4:16: expression: invalid XPath/);
  });

  test('deepCheck is accepted and ignored', () => {
    expect(diagnose(seq(`<payloadFactory><format><a xmlns="">$1</a></format><args><arg expression="$ctx:a" deepCheck="false"/></args></payloadFactory>`))).toEqual([]);
  });

  test('MI 4.4 ${…} placeholders are refused', () => {
    expect(diagnose(seq(`\n  <payloadFactory media-type="json">\n    <format>{"a":"\${payload.a}"}</format>\n  </payloadFactory>`))).toEqual([
      at(3, 5, 'Synapse Expressions (${...}, Micro Integrator 4.4) in payloadFactory formats are not supported'),
    ]);
  });
});
