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

describe('<out>: children run for responses only', () => {
  test('a response runs <out> children, then the flow goes on', async () => {
    const { mc, result } = await runAs('response', BOTH);
    expect(result).toBe(true);
    expect(mc.properties.get('out')).toBe('1');
    expect(mc.properties.get('after')).toBe('1');
  });

  test('a request skips <out> and goes on', async () => {
    const { mc, result } = await runAs('request', BOTH);
    expect(result).toBe(true);
    expect(mc.properties.has('out')).toBe(false);
    expect(mc.properties.get('after')).toBe('1');
  });

  test('children run in order and a false result stops the sequence', async () => {
    const { mc, result } = await runAs('response', `<out><property name="a" value="1"/><respond/><property name="b" value="1"/></out><property name="after" value="1"/>`);
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.get('a')).toBe('1');
    expect(mc.properties.has('b')).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });

  test('a skipped <out> does not stop the flow even if it holds a drop', async () => {
    const { mc, result } = await runAs('request', `<out><drop/></out><property name="after" value="1"/>`);
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });

  test('errors in the children are reported where they are', () => {
    expect(diagnose(seq(`\n  <out>\n    <filter/>\n  </out>`))).toEqual(['test.xml:3:5: <filter> needs xpath="...", or both source="..." and regex="..."']);
  });
});
