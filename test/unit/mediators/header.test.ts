import { describe, expect, test } from 'vitest';
import type { Element } from '@xmldom/xmldom';
import { childElements, serializeXml } from '../../../engine/xml/dom.js';
import { headerOf } from '../../../engine/xml/soap.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

function soapHeaders(mc: MessageContext): Element[] {
  const header = headerOf(mc.payload.envelope(), false);
  return header ? childElements(header) : [];
}

const SOAP_REQUEST = {
  contentType: 'text/xml',
  body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><m:Token xmlns:m="urn:m">old</m:Token><o:Other xmlns:o="urn:o">keep</o:Other></soapenv:Header><soapenv:Body><getQuote/></soapenv:Body></soapenv:Envelope>`,
};

describe('header: transport scope (reference §2.3, checklist 6)', () => {
  test('set writes the HTTP header from a literal or an expression', async () => {
    const { mc, result } = await run(
      seq(`<header name="Authorization" scope="transport" value="Bearer abc"/><header name="X-Id" scope="transport" expression="concat('id-', $ctx:id)"/>`),
      { properties: { id: '7' } },
    );
    expect(result).toBe(true);
    expect(mc.headers.get('authorization')).toBe('Bearer abc');
    expect(mc.headers.get('X-Id')).toBe('id-7');
  });

  test('the header map is case-insensitive: set replaces an existing header whatever its spelling', async () => {
    const { mc } = await run(seq(`<header name="accept" scope="transport" value="application/json"/>`), { headers: { Accept: 'text/html' } });
    expect(mc.headers.get('Accept')).toBe('application/json');
    expect([...mc.headers].filter(([n]) => n.toLowerCase() === 'accept')).toHaveLength(1);
  });

  test('remove deletes the header case-insensitively', async () => {
    const { mc } = await run(seq(`<header name="x-api-KEY" scope="transport" action="remove"/>`), { headers: { 'X-Api-Key': 'secret', Host: 'h' } });
    expect(mc.headers.has('X-Api-Key')).toBe(false);
    expect(mc.headers.get('Host')).toBe('h');
  });

  test('a null expression value becomes the empty string', async () => {
    const { mc } = await run(seq(`<header name="X-Empty" scope="transport" expression="get-property('missing')"/>`));
    expect(mc.headers.has('X-Empty')).toBe(true);
    expect(mc.headers.get('X-Empty')).toBe('');
  });

  test('header and property scope="transport" set and remove the same map', async () => {
    const { mc } = await run(
      seq(`<header name="X-A" scope="transport" value="1"/><property name="a" expression="$trp:x-a"/><property name="x-a" scope="transport" action="remove"/>` +
        `<property name="X-B" scope="transport" value="2"/><property name="b" expression="get-property('transport', 'X-B')"/><header name="x-b" scope="transport" action="remove"/>`),
    );
    expect(mc.properties.get('a')).toBe('1');
    expect(mc.properties.get('b')).toBe('2');
    expect(mc.headers.has('X-A')).toBe(false);
    expect(mc.headers.has('X-B')).toBe(false);
  });

  test('a value with CR or LF is refused as a fault (no header splitting)', async () => {
    const { mc } = await run(
      `<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><header name="X-Evil" scope="transport" expression="$ctx:v"/><property name="after" value="1"/></sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
</definitions>`,
      { properties: { v: 'a\r\nSet-Cookie: x=1' } },
    );
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(mc.properties.has('after')).toBe(false);
    expect(mc.headers.has('X-Evil')).toBe(false);
    expect(mc.headers.has('Set-Cookie')).toBe(false);
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('X-Evil');
  });

  test('a lone LF is refused too', async () => {
    const { mc, result } = await run(seq(`<header name="X-Evil" scope="transport" expression="$ctx:v"/>`), { properties: { v: 'a\nb' } });
    expect(result).toBe(false);
    expect(mc.outcome).toBe('fault');
    expect(mc.headers.has('X-Evil')).toBe(false);
  });
});

describe('header: default (SOAP) scope (reference §2.3)', () => {
  test('set adds a namespaced SOAP header block with the text value', async () => {
    const { mc } = await run(seq(`<header xmlns:m="urn:m" name="m:Token" value="abc"/>`), SOAP_REQUEST);
    const tokens = soapHeaders(mc).filter((h) => h.namespaceURI === 'urn:m' && h.localName === 'Token');
    expect(tokens.map((t) => t.textContent)).toEqual(['old', 'abc']);
  });

  test('set adds a block; it does not replace an existing one', async () => {
    const { mc } = await run(seq(`<header xmlns:m="urn:m" name="m:Id" value="1"/><header xmlns:m="urn:m" name="m:Id" expression="'2'"/>`));
    const ids = soapHeaders(mc).filter((h) => h.localName === 'Id');
    expect(ids.map((h) => h.textContent)).toEqual(['1', '2']);
    expect(ids.every((h) => h.namespaceURI === 'urn:m')).toBe(true);
  });

  test('a header block is visible to XPath through $header', async () => {
    const { mc } = await run(seq(`<header xmlns:m="urn:m" name="m:Id" value="v1"/><property xmlns:m="urn:m" name="r" expression="$header/m:Id"/>`));
    expect(mc.properties.get('r')).toBe('v1');
  });

  test('remove detaches every block with the same namespace and local name, whatever the prefix', async () => {
    const { mc } = await run(seq(`<header xmlns:x="urn:m" name="x:Token" action="remove"/>`), {
      ...SOAP_REQUEST,
      body: SOAP_REQUEST.body.replace('<o:Other', '<m:Token xmlns:m="urn:m">second</m:Token><o:Other'),
    });
    const names = soapHeaders(mc).map((h) => `${h.namespaceURI} ${h.localName}`);
    expect(names).toEqual(['urn:o Other']);
  });

  test('type="OM" parses the value as the block\'s XML child', async () => {
    const { mc } = await run(seq(`<header xmlns:m="urn:m" name="m:Sec" type="OM" expression="$ctx:xml"/>`), { properties: { xml: '<user xmlns="">bob</user>' } });
    const [sec] = soapHeaders(mc);
    expect(sec!.localName).toBe('Sec');
    expect(childElements(sec!).map((c) => c.localName)).toEqual(['user']);
    expect(childElements(sec!)[0]!.textContent).toBe('bob');
  });

  test('the WS-Addressing To sets the To address; remove clears it', async () => {
    const set = await run(seq(`<header name="To" value="http://backend/x"/><property name="to" expression="get-property('To')"/>`));
    expect(set.mc.to).toBe('http://backend/x');
    expect(set.mc.properties.get('to')).toBe('http://backend/x');
    const removed = await run(seq(`<header name="To" action="remove"/><property name="to" expression="get-property('To')"/>`), { to: '/orders' });
    expect(removed.mc.to).toBeNull();
    expect(removed.mc.properties.get('to')).toBe('');
  });

  test('Action, From, ReplyTo, FaultTo, RelatesTo need no namespace and are read back by get-property', async () => {
    const { mc } = await run(
      seq(
        `<header name="Action" value="urn:getQuote"/><header name="From" value="urn:from"/><header name="ReplyTo" value="urn:reply"/>` +
          `<header name="FaultTo" value="urn:fault"/><header name="RelatesTo" value="urn:rel"/>` +
          `<property name="a" expression="concat(get-property('Action'), '|', get-property('From'), '|', get-property('ReplyTo'), '|', get-property('FaultTo'), '|', get-property('RelatesTo'))"/>` +
          `<header name="Action" action="remove"/><property name="b" expression="get-property('Action')"/>`,
      ),
    );
    expect(mc.properties.get('a')).toBe('urn:getQuote|urn:from|urn:reply|urn:fault|urn:rel');
    expect(mc.properties.get('b')).toBe('');
    expect(soapHeaders(mc)).toEqual([]);
  });

  test('the implicit form adds its child elements as whole SOAP header blocks', async () => {
    const { mc } = await run(seq(`<header><wsse:Security xmlns:wsse="urn:wsse"><wsse:User>u</wsse:User></wsse:Security></header>`), SOAP_REQUEST);
    const last = soapHeaders(mc).at(-1)!;
    expect(last.localName).toBe('Security');
    expect(last.namespaceURI).toBe('urn:wsse');
    expect(serializeXml(last)).toContain('<wsse:User>u</wsse:User>');
  });

  test('header always returns true', async () => {
    const { mc, result } = await run(seq(`<header xmlns:m="urn:m" name="m:A" value="1"/><header name="X" scope="transport" action="remove"/><property name="after" value="1"/>`));
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });
});

describe('header: load errors (reference §2.3)', () => {
  test('a SOAP-scope header without a namespace is a deploy error at the name', () => {
    expect(diagnose(seq(`\n  <header name="Authorization" value="x"/>`))).toEqual([
      at(2, 11, 'All SOAP headers must be namespace qualified: "Authorization" (for an HTTP header add scope="transport")'),
    ]);
  });

  test('an undeclared prefix is not a namespace either', () => {
    expect(diagnose(seq(`\n  <header name="m:Token" scope="default" value="x"/>`))).toEqual([
      at(2, 11, 'All SOAP headers must be namespace qualified: "m:Token" (for an HTTP header add scope="transport")'),
    ]);
  });

  test('scope is default or transport only', () => {
    expect(diagnose(seq(`\n  <header name="X" scope="axis2" value="x"/>`))).toContain(at(2, 20, '<header> scope="axis2" is not one of default, transport'));
  });

  test('set needs value or expression', () => {
    expect(diagnose(seq(`\n  <header name="X" scope="transport"/>`))).toEqual([at(2, 3, '<header name="X"> needs value="..." or expression="..."')]);
  });

  test('remove needs neither', () => {
    expect(diagnose(seq(`\n  <header name="X" scope="transport" action="remove"/>`))).toEqual([]);
  });

  test('a transport header name that is not an HTTP token', () => {
    expect(diagnose(seq(`\n  <header name="Bad Name" scope="transport" value="x"/>`))).toEqual([at(2, 11, '"Bad Name" is not a valid HTTP header name')]);
  });

  test('the implicit form needs header blocks', () => {
    expect(diagnose(seq(`\n  <header/>`))).toEqual([at(2, 3, '<header> needs name="..." or SOAP header blocks as children')]);
  });

  test('an invalid expression is reported at the attribute', () => {
    const [d] = diagnose(seq(`\n  <header name="X" scope="transport" expression="concat("/>`));
    expect(d).toMatch(/^test\.xml:2:38: expression: invalid XPath/);
  });
});
