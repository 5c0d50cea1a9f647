import { describe, expect, test } from 'vitest';
import { rescope } from '../../registry/rescope.js';

describe('rescope', () => {
  test('keys in attributes, expressions and script string literals move; the rest is byte for byte', () => {
    const text = `<sequence xmlns="http://ws.apache.org/ns/synapse" name="s">
  <!-- keys in comments move too: gov:/x -->
  <property name="t" expression="get-property('registry', 'gov:/a/token')"/>
  <property name="gov:/a/time@p" scope="registry" value="1"/>
  <script language="js"><![CDATA[
    var r = mc.getConfiguration().getRegistry();
    r.updateResource("gov:/a/token", "x");
  ]]></script>
  <property name="c" expression="get-property('registry', 'conf:/keep/me')"/>
</sequence>`;
    const { text: out, changes } = rescope(text, 'local');
    expect(out).toBe(text.replaceAll('gov:/', 'local:/'));
    expect(changes.map((c) => `${c.line}:${c.column} ${c.from} -> ${c.to}`)).toEqual([
      '2:35 gov:/x -> local:/x',
      '3:60 gov:/a/token -> local:/a/token',
      '4:19 gov:/a/time -> local:/a/time',
      '7:23 gov:/a/token -> local:/a/token',
    ]);
  });

  test('keys without a prefix are governance keys and get local:', () => {
    const text = `<property name="v" expression="get-property('registry', '/a/b')"/>
<property name="/a/c" scope="registry" value="1"/>
<property name="plain" value="/not/a/key"/>`;
    const { text: out, changes } = rescope(text, 'local');
    expect(out).toBe(`<property name="v" expression="get-property('registry', 'local:/a/b')"/>
<property name="local:/a/c" scope="registry" value="1"/>
<property name="plain" value="/not/a/key"/>`);
    expect(changes).toHaveLength(2);
  });

  test('YAML flow maps work the same way', () => {
    const text = `sequence:\n  name: s\n  children:\n    - property: { name: /a/c, scope: registry, value: "1" }\n    - property: { name: v, expression: "get-property('registry', 'gov:/a/c')" }\n`;
    expect(rescope(text, 'local').text).toBe(text.replace('name: /a/c', 'name: local:/a/c').replace("'gov:/a/c'", "'local:/a/c'"));
  });

  test('--to gov moves local: keys back and leaves unprefixed keys alone', () => {
    const text = `<property name="local:/a" scope="registry" value="1"/><property name="/b" scope="registry" value="1"/>`;
    expect(rescope(text, 'gov').text).toBe(`<property name="gov:/a" scope="registry" value="1"/><property name="/b" scope="registry" value="1"/>`);
  });

  test('a file without registry keys is unchanged', () => {
    const text = '<sequence xmlns="http://ws.apache.org/ns/synapse" name="s"><log/></sequence>';
    expect(rescope(text, 'local')).toEqual({ text, changes: [] });
  });
});
