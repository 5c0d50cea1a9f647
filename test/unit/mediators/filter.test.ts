import { describe, expect, test } from 'vitest';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

/** Runs a filter whose branches record which one ran in the property `branch`. */
async function branch(condition: string, message: Parameters<typeof run>[1] = {}): Promise<string | undefined> {
  const { mc } = await run(
    seq(`<filter ${condition}><then><property name="branch" value="then"/></then><else><property name="branch" value="else"/></else></filter>`),
    message,
  );
  return mc.properties.get('branch') as string | undefined;
}

describe('filter xpath="…" (reference §2.4)', () => {
  test('a true condition runs then, a false one else', async () => {
    expect(await branch(`xpath="$ctx:a = 'x'"`, { properties: { a: 'x' } })).toBe('then');
    expect(await branch(`xpath="$ctx:a = 'x'"`, { properties: { a: 'y' } })).toBe('else');
  });

  test("the string 'false' is true in XPath form", async () => {
    expect(await branch(`xpath="'false'"`)).toBe('then');
    expect(await branch(`xpath="$ctx:flag"`, { properties: { flag: 'false' } })).toBe('then');
    expect(await branch(`xpath="get-property('flag')"`, { properties: { flag: 'false' } })).toBe('then');
  });

  test('XPath boolean(): empty string, 0, NaN and an empty node-set are false', async () => {
    expect(await branch(`xpath="''"`)).toBe('else');
    expect(await branch(`xpath="0"`)).toBe('else');
    expect(await branch(`xpath="number('x')"`)).toBe('else');
    expect(await branch(`xpath="//missing"`, { body: '<a/>', contentType: 'application/xml' })).toBe('else');
    expect(await branch(`xpath="//a"`, { body: '<a/>', contentType: 'application/xml' })).toBe('then');
    expect(await branch(`xpath="false()"`)).toBe('else');
    expect(await branch(`xpath="$ctx:flag = 'true'"`, { properties: { flag: 'false' } })).toBe('else');
  });

  test('= against a null operand is false', async () => {
    expect(await branch(`xpath="get-property('missing') = ''"`)).toBe('else');
    expect(await branch(`xpath="get-property('missing') != ''"`)).toBe('else');
  });

  test('json-eval is true only for the text "true" (case-insensitive)', async () => {
    const json = (value: string) => ({ body: `{"enabled":${value}}`, contentType: 'application/json' });
    expect(await branch(`xpath="json-eval($.enabled)"`, json('true'))).toBe('then');
    expect(await branch(`xpath="json-eval($.enabled)"`, json('"TRUE"'))).toBe('then');
    expect(await branch(`xpath="json-eval($.enabled)"`, json('false'))).toBe('else');
    expect(await branch(`xpath="json-eval($.enabled)"`, json('"yes"'))).toBe('else');
    expect(await branch(`xpath="json-eval($.enabled)"`, json('1'))).toBe('else');
    expect(await branch(`xpath="json-eval($.missing)"`, json('true'))).toBe('else');
  });

  test('xpath wins when source and regex are given too', async () => {
    expect(await branch(`xpath="true()" source="'abc'" regex="x"`)).toBe('then');
  });
});

describe('filter source="…" regex="…" (reference §2.4, checklist 7)', () => {
  test('the regex must match the whole string', async () => {
    expect(await branch(`source="$ctx:v" regex="\\d+"`, { properties: { v: 'abc123' } })).toBe('else');
    expect(await branch(`source="$ctx:v" regex=".*\\d+"`, { properties: { v: 'abc123' } })).toBe('then');
    expect(await branch(`source="$ctx:v" regex="abc"`, { properties: { v: 'abc' } })).toBe('then');
    expect(await branch(`source="$ctx:v" regex="ab"`, { properties: { v: 'abc' } })).toBe('else');
  });

  test('alternation is anchored as a whole', async () => {
    expect(await branch(`source="$ctx:v" regex="GET|POST"`, { properties: { v: 'POSTX' } })).toBe('else');
    expect(await branch(`source="$ctx:v" regex="GET|POST"`, { properties: { v: 'POST' } })).toBe('then');
  });

  test('a null source is false, even for a regex matching anything', async () => {
    expect(await branch(`source="get-property('missing')" regex=".*"`)).toBe('else');
  });

  test('an empty source is not null: ".*" matches it', async () => {
    expect(await branch(`source="//missing" regex=".*"`, { body: '<a/>', contentType: 'application/xml' })).toBe('then');
  });

  test('a transport header and a number-valued property are matched by their text', async () => {
    expect(await branch(`source="$trp:Accept" regex="application/json.*"`, { headers: { accept: 'application/json; q=1' } })).toBe('then');
    expect(await branch(`source="get-property('n')" regex="42"`, { properties: { n: 42 } })).toBe('then');
  });

  test('the regex sees ERROR_CODE as its decimal text in a fault sequence (reference §7.1)', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><property name="t" type="LONG" expression="'x'"/></sequence>
  <sequence name="err"><filter source="$ctx:ERROR_CODE" regex="0"><property name="matched" value="yes"/></filter></sequence>
</definitions>`);
    expect(mc.properties.get('matched')).toBe('yes');
  });

  test('a json-eval source', async () => {
    expect(await branch(`source="json-eval($.status)" regex="ACTIVE|PENDING"`, { body: '{"status":"PENDING"}', contentType: 'application/json' })).toBe('then');
  });
});

describe('filter bodies (reference §2.4)', () => {
  test('without <then>, the children are the then-branch and there is no else', async () => {
    const yes = await run(seq(`<filter xpath="true()"><property name="a" value="1"/><property name="b" value="2"/></filter><property name="after" value="1"/>`));
    expect([yes.mc.properties.get('a'), yes.mc.properties.get('b'), yes.mc.properties.get('after')]).toEqual(['1', '2', '1']);
    const no = await run(seq(`<filter xpath="false()"><property name="a" value="1"/></filter><property name="after" value="1"/>`));
    expect(no.result).toBe(true);
    expect(no.mc.properties.has('a')).toBe(false);
    expect(no.mc.properties.get('after')).toBe('1');
  });

  test('a false condition with no else continues with the next sibling', async () => {
    const { mc, result } = await run(seq(`<filter xpath="false()"><then><drop/></then></filter><property name="after" value="1"/>`));
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });

  test("the branch's result is the filter's: a drop inside stops the enclosing sequence", async () => {
    const { mc, result } = await run(seq(`<filter xpath="true()"><then><drop/></then><else/></filter><property name="after" value="1"/>`));
    expect(result).toBe(false);
    expect(mc.outcome).toBe('drop');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('a false else-branch result stops the flow too', async () => {
    const { mc, result } = await run(seq(`<filter xpath="false()"><then/><else><respond/></else></filter><property name="after" value="1"/>`));
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('elements after then/else directly inside filter are ignored', async () => {
    const { mc } = await run(seq(`<filter xpath="true()"><then><property name="a" value="1"/></then><property name="ignored" value="1"/></filter>`));
    expect(mc.properties.get('a')).toBe('1');
    expect(mc.properties.has('ignored')).toBe(false);
  });

  test('then/else sequence="…" run a named sequence', async () => {
    const config = (cond: string) => `<definitions ${SYNAPSE}>
  <sequence name="main"><filter xpath="${cond}"><then sequence="yes"/><else sequence="no"/></filter><property name="after" value="1"/></sequence>
  <sequence name="yes"><property name="branch" value="yes"/></sequence>
  <sequence name="no"><property name="branch" value="no"/><drop/></sequence>
</definitions>`;
    const t = await run(config('true()'));
    expect(t.mc.properties.get('branch')).toBe('yes');
    expect(t.mc.properties.get('after')).toBe('1');
    const f = await run(config('false()'));
    expect(f.mc.properties.get('branch')).toBe('no');
    expect(f.result).toBe(false);
    expect(f.mc.properties.has('after')).toBe(false);
  });

  test('a then sequence that does not exist faults at run time, naming it', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><filter xpath="true()"><then sequence="nowhere"/></filter></sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
</definitions>`);
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('nowhere');
  });

  test('an expression that fails to evaluate faults', async () => {
    const { mc, result } = await run(seq(`<filter xpath="$ctx:x/a"><property name="a" value="1"/></filter>`), { properties: { x: 'text' } });
    expect(result).toBe(false);
    expect(mc.outcome).toBe('fault');
  });
});

describe('filter: load errors (reference §2.4)', () => {
  test('neither xpath nor source+regex', () => {
    expect(diagnose(seq(`\n  <filter><log/></filter>`))).toEqual([at(2, 3, '<filter> needs xpath="...", or both source="..." and regex="..."')]);
  });

  test('source without regex, and regex without source', () => {
    expect(diagnose(seq(`\n  <filter source="$ctx:a"/>`))).toEqual([at(2, 3, '<filter> needs xpath="...", or both source="..." and regex="..."')]);
    expect(diagnose(seq(`\n  <filter regex="a"/>`))).toEqual([at(2, 3, '<filter> needs xpath="...", or both source="..." and regex="..."')]);
  });

  test('blank values count as missing', () => {
    expect(diagnose(seq(`\n  <filter xpath=" "/>`))).toEqual([at(2, 11, 'xpath is empty')]);
    expect(diagnose(seq(`\n  <filter source="$ctx:a" regex="  "/>`))).toEqual([at(2, 3, '<filter> needs xpath="...", or both source="..." and regex="..."')]);
  });

  test('a bad regex is an error at the regex attribute', () => {
    const d = diagnose(seq(`\n  <filter source="$ctx:a" regex="(unclosed"/>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:2:27: regex: invalid regular expression: /);
  });

  test('a bad xpath is an error at the xpath attribute', () => {
    const d = diagnose(seq(`\n  <filter xpath="//a["/>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:2:11: xpath: invalid XPath/);
  });

  test('an undeclared namespace prefix is an error at the attribute', () => {
    expect(diagnose(seq(`\n  <filter xpath="//m:a"/>`))).toEqual([at(2, 11, 'xpath: namespace prefix "m" is not declared (add xmlns:m="..." to the element)')]);
  });

  test('errors inside the branches are reported where they are', () => {
    expect(diagnose(seq(`\n  <filter xpath="true()">\n    <then>\n      <property name="p" scope="env" value="x"/>\n    </then>\n  </filter>`))).toEqual([
      at(4, 26, '<property> scope="env" is not one of default, transport, axis2, axis2-client, operation, registry, system, trace, analytics'),
    ]);
  });
});
