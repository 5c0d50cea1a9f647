import { describe, expect, test } from 'vitest';
import { runFlow } from '../../../engine/interpreter.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { diagnose, loadText, seq } from '../../support/sequences.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';

async function runAs(direction: 'request' | 'response', body: string): Promise<{ mc: MessageContext; result: boolean }> {
  const { configuration } = loadText(seq(body));
  const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration }) });
  mc.isResponse = direction === 'response';
  const result = await runFlow(mc, async () => configuration.sequence('main')!.mediate(mc));
  return { mc, result };
}

const BOTH = `<in><property name="in" value="1"/></in><out><property name="out" value="1"/></out><property name="after" value="1"/>`;

describe('<in>: children run for requests only', () => {
  test('a request runs <in> children, then the flow goes on', async () => {
    const { mc, result } = await runAs('request', BOTH);
    expect(result).toBe(true);
    expect(mc.properties.get('in')).toBe('1');
    expect(mc.properties.get('after')).toBe('1');
  });

  test('a response skips <in> and goes on', async () => {
    const { mc, result } = await runAs('response', BOTH);
    expect(result).toBe(true);
    expect(mc.properties.has('in')).toBe(false);
    expect(mc.properties.get('after')).toBe('1');
  });

  test('children run in order and a false result stops the sequence', async () => {
    const { mc, result } = await runAs('request', `<in><property name="a" value="1"/><drop/><property name="b" value="1"/></in><property name="after" value="1"/>`);
    expect(result).toBe(false);
    expect(mc.properties.get('a')).toBe('1');
    expect(mc.properties.has('b')).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });

  test('a skipped <in> does not stop the flow even if it holds a drop', async () => {
    const { mc, result } = await runAs('response', `<in><drop/></in><property name="after" value="1"/>`);
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });

  test('loopback inside <in> ends the flow there: a following <out> does not run in the same pass', async () => {
    const { mc, result } = await runAs('request', `<in><loopback/></in><out><property name="out" value="1"/></out>`);
    expect(result).toBe(false);
    expect(mc.isResponse).toBe(true);
    expect(mc.properties.has('out')).toBe(false);
  });

  test('errors in the children are reported where they are', () => {
    expect(diagnose(seq(`\n  <in>\n    <property name="p" scope="env" value="x"/>\n  </in>`))).toEqual([
      'test.xml:3:24: <property> scope="env" is not one of default, transport, axis2, axis2-client, operation, registry, system, trace, analytics',
    ]);
  });
});
