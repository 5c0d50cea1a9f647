import { describe, expect, test } from 'vitest';
import { diagnose, seq, SYNAPSE } from '../../support/sequences.js';

/** Every kind of configuration error, with the exact line and column `mediate validate` reports. */
describe('load errors name file:line:column', () => {
  test('malformed XML: the validator position', () => {
    expect(diagnose(`<sequence ${SYNAPSE} name="a">\n  <log>\n</sequence>`)).toEqual([
      "test.xml:3:1: malformed XML: Expected closing tag 'log' (opened in line 2, col 3) instead of closing tag 'sequence'.",
    ]);
  });

  test('a DOCTYPE is refused and no entity is expanded', () => {
    const out = diagnose(`<!DOCTYPE s [<!ENTITY x "boom">]>\n<sequence ${SYNAPSE} name="a"><log level="custom"><property name="p" value="&x;"/></log></sequence>`);
    expect(out).toEqual(['test.xml:1:1: a DOCTYPE is not allowed in configuration']);
  });

  test('malformed YAML: the parser position', () => {
    const out = diagnose('sequence:\n  name: a\n  children:\n    - log: {level: custom\n', 'a.yaml');
    expect(out.length).toBeGreaterThan(0);
    expect(out[0]).toMatch(/^a\.yaml:\d+:\d+: malformed YAML: /);
  });

  test('unknown mediator, with the nearest known name', () => {
    expect(diagnose(seq('\n  <proprety name="a" value="b"/>'))).toEqual([
      'test.xml:2:3: unknown mediator <proprety> (did you mean "property"?)',
    ]);
  });

  test('an element outside the Synapse namespace is not a mediator', () => {
    expect(diagnose(seq('\n  <log xmlns=""/>'))).toEqual([
      'test.xml:2:3: <log> is in no namespace, not in the Synapse namespace http://ws.apache.org/ns/synapse, so it is not a mediator',
    ]);
    expect(diagnose(`<sequence xmlns="" name="a"/>`)[0]).toMatch(/^test\.xml:1:1: <sequence> is in no namespace/);
  });

  test('unsupported mediator by name and line', () => {
    expect(diagnose(seq('\n\n    <makefault/>'))).toEqual(['test.xml:3:5: unsupported mediator <makefault>']);
  });

  test('an unknown attribute is a warning in XML (Synapse ignores it) and an error in YAML', () => {
    expect(diagnose(seq('\n  <log levle="full"/>'))).toEqual([
      'test.xml:2:8: warning: <log> has no attribute "levle" (did you mean "level"?); Synapse ignores it',
    ]);
    expect(diagnose('sequence:\n  name: a\n  children:\n    - log: { levle: full }\n', 'a.yaml')).toEqual([
      'a.yaml:4:14: <log> has no attribute "levle" (did you mean "level"?)',
    ]);
  });

  test('a missing required attribute', () => {
    expect(diagnose(seq('\n  <switch/>'))).toEqual(['test.xml:2:3: <switch> needs the attribute "source"']);
  });

  test('an invalid scope or type value points at the attribute', () => {
    expect(diagnose(seq('\n  <property name="a" value="b" scope="env"/>'))).toEqual([
      'test.xml:2:32: <property> scope="env" is not one of default, transport, axis2, axis2-client, operation, registry, system, trace, analytics',
    ]);
    expect(diagnose(seq('\n  <property name="a" value="b" type="NUMBER"/>'))[0]).toMatch(/^test\.xml:2:32: <property> type="NUMBER" is not one of STRING/);
  });

  test('a literal that cannot take its type fails at load time', () => {
    expect(diagnose(seq('\n  <property name="n" value="12.0" type="LONG"/>'))).toEqual([
      'test.xml:2:22: property "n": the value "12.0" cannot be converted to LONG',
    ]);
  });

  test('an expression that does not compile points at its attribute', () => {
    expect(diagnose(seq('\n  <filter xpath="count(//a"><drop/></filter>'))[0]).toMatch(/^test\.xml:2:11: xpath: invalid XPath "count\(\/\/a"/);
    expect(diagnose(seq('\n  <property name="a" expression="no-such-fn(1)"/>'))).toEqual([
      'test.xml:2:22: expression: unknown XPath function no-such-fn() in "no-such-fn(1)"',
    ]);
    expect(diagnose(seq('\n  <property name="a" expression="//m:a"/>'))).toEqual([
      'test.xml:2:22: expression: namespace prefix "m" is not declared (add xmlns:m="..." to the element)',
    ]);
  });

  test('every problem of a file in one go', () => {
    const out = diagnose(seq('\n  <proprety/>\n  <makefault/>\n  <switch/>'));
    expect(out).toEqual([
      'test.xml:2:3: unknown mediator <proprety> (did you mean "property"?)',
      'test.xml:3:3: unsupported mediator <makefault>',
      'test.xml:4:3: <switch> needs the attribute "source"',
    ]);
  });

  test('a key that does not resolve is a warning, not an error', () => {
    expect(diagnose(seq('\n  <sequence key="elsewhere"/>'))).toEqual([
      'test.xml:2:13: warning: sequence "elsewhere" is not defined in this configuration; it must exist when a message arrives',
    ]);
  });

  test('two definitions of one name name both places', () => {
    const out = diagnose(`<definitions ${SYNAPSE}>\n<sequence name="a"/>\n<sequence name="a"/>\n</definitions>`);
    expect(out).toEqual(['test.xml:3:1: sequence "a" is defined twice: here and at test.xml:2:1']);
  });
});
