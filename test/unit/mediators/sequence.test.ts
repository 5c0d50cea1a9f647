import { describe, expect, test } from 'vitest';
import { JavaNumber } from '../../../engine/message/typed-value.js';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;
const defs = (body: string) => `<definitions ${SYNAPSE}>\n${body}\n</definitions>`;

describe('sequence key="…" (reference §1.2, §2.13)', () => {
  test('a static key runs the named sequence, then the flow goes on', async () => {
    const { mc, result } = await run(
      defs(`<sequence name="main"><property name="a" value="1"/><sequence key="sub"/><property name="c" expression="concat($ctx:a, $ctx:b)"/></sequence>
<sequence name="sub"><property name="b" value="2"/></sequence>`),
    );
    expect(result).toBe(true);
    expect(mc.properties.get('c')).toBe('12');
  });

  test("the referenced sequence's false result becomes the reference's result", async () => {
    const { mc, result } = await run(
      defs(`<sequence name="main"><sequence key="sub"/><property name="after" value="1"/></sequence>
<sequence name="sub"><drop/></sequence>`),
    );
    expect(result).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });

  test('a dynamic key {get-property(…)} is evaluated per message', async () => {
    const config = defs(`<sequence name="main"><sequence key="{get-property('seqName')}"/></sequence>
<sequence name="a"><property name="ran" value="a"/></sequence>
<sequence name="b"><property name="ran" value="b"/></sequence>`);
    expect((await run(config, { properties: { seqName: 'a' } })).mc.properties.get('ran')).toBe('a');
    expect((await run(config, { properties: { seqName: 'b' } })).mc.properties.get('ran')).toBe('b');
  });

  test('a dynamic key {json-eval(…)} reads the JSON payload', async () => {
    const { mc } = await run(
      defs(`<sequence name="main"><sequence key="{json-eval($.route)}"/></sequence>
<sequence name="fast"><property name="ran" value="fast"/></sequence>`),
      { body: '{"route":"fast"}', contentType: 'application/json' },
    );
    expect(mc.properties.get('ran')).toBe('fast');
  });

  test('{{…}} is a literal key with one pair of braces removed', async () => {
    const { mc } = await run(
      defs(`<sequence name="main"><sequence key="{{odd}}"/></sequence>
<sequence name="{odd}"><property name="ran" value="odd"/></sequence>`),
    );
    expect(mc.properties.get('ran')).toBe('odd');
  });

  test('a missing static key faults with ERROR_CODE 0 and an ERROR_MESSAGE naming the key', async () => {
    const { mc, result } = await run(
      defs(`<sequence name="main" onError="err"><sequence key="nowhere"/><property name="after" value="1"/></sequence>
<sequence name="err"><property name="handled" value="yes"/></sequence>`),
    );
    expect(result).toBe(true);
    expect(mc.properties.get('handled')).toBe('yes');
    expect(mc.properties.has('after')).toBe(false);
    const code = mc.properties.get('ERROR_CODE');
    expect(code).toBeInstanceOf(JavaNumber);
    expect((code as JavaNumber).value).toBe(0);
    expect(mc.properties.get('ERROR_MESSAGE')).toMatch(/^Sequence named "?nowhere"? cannot be found$/);
    expect(mc.properties.get('ERROR_EXCEPTION')).toBeInstanceOf(Error);
    expect(typeof mc.properties.get('ERROR_DETAIL')).toBe('string');
  });

  test('a missing dynamic key faults naming the evaluated key', async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="err"><sequence key="{$ctx:target}"/></sequence>
<sequence name="err"><property name="handled" value="yes"/></sequence>`),
      { properties: { target: 'ghost' } },
    );
    expect(mc.properties.get('handled')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('ghost');
  });

  test('with no fault handler at all the flow ends in fault', async () => {
    const { mc, result } = await run(seq(`<sequence key="nowhere"/>`));
    expect(result).toBe(false);
    expect(mc.outcome).toBe('fault');
    expect(mc.fault?.message).toContain('nowhere');
  });
});

describe('onError and the fault stack (reference §1.2, §1.3, §7.1, checklist 3)', () => {
  test("the innermost sequence's onError handles the fault, not the outer one", async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="outerErr"><sequence key="sub"/><property name="main-after" value="1"/></sequence>
<sequence name="sub" onError="innerErr"><sequence key="missing"/></sequence>
<sequence name="innerErr"><property name="handled" value="inner"/></sequence>
<sequence name="outerErr"><property name="handled" value="outer"/></sequence>`),
    );
    expect(mc.properties.get('handled')).toBe('inner');
    expect(mc.properties.has('main-after')).toBe(false);
  });

  test('a sequence that completed pops its handler: a later fault goes to the outer handler', async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="outerErr"><sequence key="sub"/><sequence key="missing"/></sequence>
<sequence name="sub" onError="innerErr"><property name="sub" value="done"/></sequence>
<sequence name="innerErr"><property name="handled" value="inner"/></sequence>
<sequence name="outerErr"><property name="handled" value="outer"/></sequence>`),
    );
    expect(mc.properties.get('sub')).toBe('done');
    expect(mc.properties.get('handled')).toBe('outer');
  });

  test('when the fault handler itself fails, the next handler on the stack runs', async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="outerErr"><sequence key="sub"/></sequence>
<sequence name="sub" onError="innerErr"><sequence key="missing"/></sequence>
<sequence name="innerErr"><property name="inner" value="ran"/><sequence key="alsoMissing"/></sequence>
<sequence name="outerErr"><property name="outer" value="ran"/></sequence>`),
    );
    expect(mc.properties.get('inner')).toBe('ran');
    expect(mc.properties.get('outer')).toBe('ran');
  });

  test('the fault handler sees ERROR_CODE and ERROR_MESSAGE set before it runs', async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="err"><property name="t" type="LONG" expression="'abc'"/></sequence>
<sequence name="err"><property name="seen" expression="concat($ctx:ERROR_CODE, '|', $ctx:ERROR_MESSAGE)"/></sequence>`),
    );
    const seen = String(mc.properties.get('seen'));
    expect(seen.startsWith('0|')).toBe(true);
    expect(seen).toContain('abc');
  });

  test('an ERROR_CODE already set is kept', async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="err"><property name="ERROR_CODE" type="INTEGER" value="101503"/><sequence key="missing"/></sequence>
<sequence name="err"><property name="code" expression="$ctx:ERROR_CODE"/></sequence>`),
    );
    expect(mc.properties.get('code')).toBe('101503');
  });

  test('the fault handler runs as a sequence with its own result; a respond there ends the flow', async () => {
    const { mc, result } = await run(
      defs(`<sequence name="main" onError="err"><sequence key="missing"/></sequence>
<sequence name="err"><property name="HTTP_SC" scope="axis2" value="500"/><respond/></sequence>`),
    );
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
  });

  test('a fault handler that ends without responding leaves the outcome fault', async () => {
    const { mc } = await run(
      defs(`<sequence name="main" onError="err"><sequence key="missing"/></sequence>
<sequence name="err"><property name="x" value="1"/></sequence>`),
    );
    expect(mc.outcome).toBe('fault');
  });

  test('an onError sequence that does not exist only warns; the sequence runs without it', async () => {
    const { mc, result, runtime } = await run(seq(`<property name="a" value="1"/>`, 'onError="ghostErr"'));
    expect(result).toBe(true);
    expect(mc.properties.get('a')).toBe('1');
    expect(runtime.logger.lines.some((l) => l.level === 'warn' && l.message.includes('ghostErr'))).toBe(true);
  });

  test('a sequence that returned false keeps its handler pushed (it only matters for continuations)', async () => {
    const { mc } = await run(
      defs(`<sequence name="main"><sequence key="sub"/></sequence>
<sequence name="sub" onError="err"><drop/></sequence>
<sequence name="err"><property name="x" value="1"/></sequence>`),
    );
    expect(mc.faultStack).toHaveLength(1);
  });
});

describe('sequence: load errors (reference §1.2)', () => {
  test('key and onError together are a deploy error at onError', () => {
    expect(
      diagnose(
        defs(`<sequence name="main">
  <sequence key="sub" onError="err"/>
</sequence>
<sequence name="sub"/>
<sequence name="err"/>`),
      ),
    ).toEqual([at(3, 23, 'onError cannot be used together with key')]);
  });

  test('a static key that is not defined in the configuration is a warning (it may come later)', () => {
    expect(diagnose(seq(`\n  <sequence key="later"/>`))).toEqual([at(2, 13, 'warning: sequence "later" is not defined in this configuration; it must exist when a message arrives')]);
  });

  test('a dynamic key is not checked at load time', () => {
    expect(diagnose(seq(`<sequence key="{$ctx:x}"/>`))).toEqual([]);
  });

  test('a dynamic key with an invalid expression is an error at the key', () => {
    const d = diagnose(seq(`\n  <sequence key="{concat(}"/>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:2:13: key: invalid XPath/);
  });

  test('an onError that is not defined is a warning at onError', () => {
    expect(diagnose(`<sequence ${SYNAPSE} name="main"\n  onError="nope"/>`)).toEqual([at(2, 3, 'warning: onError sequence "nope" is not defined in this configuration; it must exist when a message arrives')]);
  });
});
