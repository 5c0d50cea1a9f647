import { describe, expect, test } from 'vitest';
import { runFlow } from '../../../engine/interpreter.js';
import { diagnose, loadText, run, seq, SYNAPSE } from '../../support/sequences.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';

describe('drop (reference §2.11, checklist 2 and 12)', () => {
  test('returns false and sets To to null; nothing after it runs', async () => {
    const { mc, result } = await run(seq(`<property name="before" value="1"/><drop/><property name="after" value="1"/>`), { to: '/orders' });
    expect(result).toBe(false);
    expect(mc.to).toBeNull();
    expect(mc.properties.get('before')).toBe('1');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('the outcome is drop: nothing is sent (the request flow answers 202 with no body)', async () => {
    const { mc } = await run(seq(`<drop/>`));
    expect(mc.outcome).toBe('drop');
    expect(mc.isResponse).toBe(false);
  });

  test('a drop in a called sequence or a branch stops every caller', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main"><sequence key="inner"/><property name="after" value="1"/></sequence>
  <sequence name="inner"><switch source="'a'"><case regex="a"><drop/></case></switch><property name="inner-after" value="1"/></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.outcome).toBe('drop');
    expect(mc.properties.has('after')).toBe(false);
    expect(mc.properties.has('inner-after')).toBe(false);
  });

  test('a drop that ends a fault sequence: the flow ends without a response', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><sequence key="missing"/></sequence>
  <sequence name="err"><property name="seen" value="1"/><drop/></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.properties.get('seen')).toBe('1');
    expect(mc.outcome).toBe('drop');
  });

  test('a drop in a response flow also ends it', async () => {
    const { configuration } = loadText(seq(`<drop/><property name="after" value="1"/>`));
    const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration }) });
    mc.isResponse = true;
    const result = await runFlow(mc, async () => configuration.sequence('main')!.mediate(mc));
    expect(result).toBe(false);
    expect(mc.outcome).toBe('drop');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('loads without diagnostics', () => {
    expect(diagnose(seq(`<drop/>`))).toEqual([]);
  });
});
