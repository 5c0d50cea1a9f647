import { describe, expect, test } from 'vitest';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

const CASES = `<case regex="GET"><property name="branch" value="get"/></case>
  <case regex="P.*"><property name="branch" value="p-any"/></case>
  <case regex="PUT"><property name="branch" value="put"/></case>
  <default><property name="branch" value="default"/></default>`;

async function branchFor(source: string, message: Parameters<typeof run>[1] = {}, cases = CASES): Promise<string | undefined> {
  const { mc } = await run(seq(`<switch source="${source}">${cases}</switch>`), message);
  return mc.properties.get('branch') as string | undefined;
}

describe('switch (reference §2.5, checklist 8)', () => {
  test('the first matching case in document order wins', async () => {
    expect(await branchFor('$ctx:m', { properties: { m: 'GET' } })).toBe('get');
    expect(await branchFor('$ctx:m', { properties: { m: 'PUT' } })).toBe('p-any');
    expect(await branchFor('$ctx:m', { properties: { m: 'POST' } })).toBe('p-any');
  });

  test('cases match the whole string', async () => {
    expect(await branchFor('$ctx:m', { properties: { m: 'GETX' } })).toBe('default');
    expect(await branchFor('$ctx:m', { properties: { m: 'xGET' } })).toBe('default');
  });

  test('no match runs the default', async () => {
    expect(await branchFor('$ctx:m', { properties: { m: 'DELETE' } })).toBe('default');
  });

  test('no match and no default: the switch continues with the next sibling', async () => {
    const { mc, result } = await run(seq(`<switch source="$ctx:m"><case regex="GET"><drop/></case></switch><property name="after" value="1"/>`), { properties: { m: 'POST' } });
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });

  test('a null source goes straight to the default, never to a case', async () => {
    expect(await branchFor(`get-property('missing')`, {}, `<case regex=".*"><property name="branch" value="case"/></case><default><property name="branch" value="default"/></default>`)).toBe('default');
    expect(await branchFor(`get-property('missing')`, {}, `<case regex=".*"><property name="branch" value="case"/></case>`)).toBeUndefined();
  });

  test('an empty (not null) source is matched against the cases', async () => {
    expect(await branchFor(`//missing`, { body: '<a/>', contentType: 'application/xml' }, `<case regex=".*"><property name="branch" value="case"/></case><default><property name="branch" value="default"/></default>`)).toBe('case');
  });

  test('with no cases the default runs', async () => {
    expect(await branchFor('$ctx:m', { properties: { m: 'x' } }, `<default><property name="branch" value="default"/></default>`)).toBe('default');
  });

  test('only the first <default> is used', async () => {
    expect(await branchFor('$ctx:m', { properties: { m: 'x' } }, `<default><property name="branch" value="first"/></default><default><property name="branch" value="second"/></default>`)).toBe('first');
  });

  test('the source is evaluated once: a case changing it does not make a later case run', async () => {
    const { mc } = await run(
      seq(`<switch source="$ctx:m"><case regex="a"><property name="m" value="b"/><property name="ran" value="a"/></case><case regex="b"><property name="ran" value="b"/></case></switch>`),
      { properties: { m: 'a' } },
    );
    expect(mc.properties.get('ran')).toBe('a');
  });

  test("the case's result is the switch's: a respond in a case stops the sequence", async () => {
    const { mc, result } = await run(seq(`<switch source="$ctx:m"><case regex="x"><respond/></case></switch><property name="after" value="1"/>`), { properties: { m: 'x' } });
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('a default that drops stops the sequence', async () => {
    const { mc, result } = await run(seq(`<switch source="$ctx:m"><case regex="x"/><default><drop/></default></switch><property name="after" value="1"/>`), { properties: { m: 'y' } });
    expect(result).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });

  test('a json-eval source and a header source', async () => {
    expect(await branchFor('json-eval($.op)', { body: '{"op":"GET"}', contentType: 'application/json' })).toBe('get');
    expect(await branchFor('$trp:x-method', { headers: { 'X-Method': 'PUT' } })).toBe('p-any');
  });

  test('ERROR_CODE is matched by its decimal text (reference §7.1)', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><sequence key="missing"/></sequence>
  <sequence name="err"><switch source="get-property('ERROR_CODE')"><case regex="0"><property name="branch" value="zero"/></case><default><property name="branch" value="other"/></default></switch></sequence>
</definitions>`);
    expect(mc.properties.get('branch')).toBe('zero');
  });
});

describe('switch: load errors (reference §2.5)', () => {
  test('source is required', () => {
    expect(diagnose(seq(`\n  <switch><default/></switch>`))).toEqual([at(2, 3, '<switch> needs the attribute "source"')]);
  });

  test('an invalid source expression is reported at the attribute', () => {
    const d = diagnose(seq(`\n  <switch source="concat("><default/></switch>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:2:11: source: invalid XPath/);
  });

  test('a case without regex', () => {
    expect(diagnose(seq(`\n  <switch source="$ctx:a">\n    <case><log/></case>\n  </switch>`))).toEqual([at(3, 5, '<case> needs regex="..."')]);
  });

  test('a bad regex is reported at the case regex attribute', () => {
    const d = diagnose(seq(`\n  <switch source="$ctx:a">\n    <case regex="[a-"/>\n  </switch>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:3:11: regex: invalid regular expression: /);
  });

  test('other children are warned about', () => {
    expect(diagnose(seq(`\n  <switch source="$ctx:a">\n    <log/>\n  </switch>`))).toEqual([at(3, 5, 'warning: <switch> ignores <log>: only <case> and <default> are read')]);
  });
});
