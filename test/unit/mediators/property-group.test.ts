import { describe, expect, test } from 'vitest';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';
import { MemoryRegistry } from '../../support/runtime.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

describe('propertyGroup (reference §2.2)', () => {
  test('runs its properties in order: a later one sees an earlier one', async () => {
    const { mc, result } = await run(
      seq(`<propertyGroup description="ids">
        <property name="a" value="1"/>
        <property name="b" expression="concat($ctx:a, '2')"/>
        <property name="X-B" scope="transport" expression="$ctx:b"/>
        <property name="old" action="remove"/>
      </propertyGroup>
      <property name="after" expression="$ctx:b"/>`),
      { properties: { old: 'x' } },
    );
    expect(result).toBe(true);
    expect(mc.properties.get('a')).toBe('1');
    expect(mc.properties.get('b')).toBe('12');
    expect(mc.headers.get('x-b')).toBe('12');
    expect(mc.properties.has('old')).toBe(false);
    expect(mc.properties.get('after')).toBe('12');
  });

  test('children that are not <property> are ignored, so the group always continues', async () => {
    const { mc, result } = await run(
      seq(`<propertyGroup><property name="a" value="1"/><drop/><log level="custom"><property name="x" value="y"/></log><property name="b" value="2"/></propertyGroup><property name="c" value="3"/>`),
    );
    expect(result).toBe(true);
    expect(mc.outcome).toBe('continue');
    expect([mc.properties.get('a'), mc.properties.get('b'), mc.properties.get('c')]).toEqual(['1', '2', '3']);
  });

  test('an empty group is fine', async () => {
    const { result } = await run(seq(`<propertyGroup/>`));
    expect(result).toBe(true);
  });

  test('a failing property inside the group faults like anywhere else', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><propertyGroup><property name="a" value="1"/><property name="t" type="LONG" expression="'x'"/><property name="b" value="2"/></propertyGroup></sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
</definitions>`);
    expect(mc.properties.get('a')).toBe('1');
    expect(mc.properties.has('b')).toBe(false);
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('"t"');
  });

  test('registry writes inside a group are done before the next property runs', async () => {
    const registry = new MemoryRegistry();
    const { mc } = await run(
      seq(`<propertyGroup><property name="local:/k" scope="registry" value="v"/><property name="r" expression="get-property('registry', 'local:/k')"/></propertyGroup>`),
      {},
      { registry },
    );
    expect(mc.properties.get('r')).toBe('v');
  });
});

describe('propertyGroup: load errors come from the property rules', () => {
  test('a property with group but no pattern', () => {
    expect(
      diagnose(
        seq(`
  <propertyGroup>
    <property name="p" value="x" group="1"/>
  </propertyGroup>`),
      ),
    ).toEqual([at(3, 34, 'group needs a pattern')]);
  });

  test('an invalid scope and a missing value, each at its own place', () => {
    expect(
      diagnose(
        seq(`
  <propertyGroup>
    <property name="p" scope="env" value="x"/>
    <property name="q"/>
  </propertyGroup>`),
      ),
    ).toEqual([
      at(3, 24, '<property> scope="env" is not one of default, transport, axis2, axis2-client, operation, registry, system, trace, analytics'),
      at(4, 5, '<property name="q"> needs value, expression or an inline XML child'),
    ]);
  });

  test('a typed literal that does not convert', () => {
    expect(diagnose(seq(`\n  <propertyGroup><property name="n" type="INTEGER" value="x"/></propertyGroup>`))).toEqual([
      at(2, 52, 'property "n": the value "x" cannot be converted to INTEGER'),
    ]);
  });
});
