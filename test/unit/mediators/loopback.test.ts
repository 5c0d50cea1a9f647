import { describe, expect, test } from 'vitest';
import { runFlow } from '../../../engine/interpreter.js';
import { diagnose, loadText, run, seq } from '../../support/sequences.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';

describe('loopback (reference §2.12)', () => {
  test('in a request flow it turns the message into a response and returns false', async () => {
    const { mc, result } = await run(seq(`<payloadFactory media-type="json"><format>{"a":1}</format></payloadFactory><loopback/><property name="after" value="1"/>`), { to: '/orders' });
    expect(result).toBe(false);
    expect(mc.isResponse).toBe(true);
    expect(mc.to).toBeNull();
    expect(mc.properties.has('after')).toBe(false);
    expect(mc.outcome).not.toBe('continue');
    expect(mc.outcome).not.toBe('drop');
    expect(mc.payload.serialize('application/json')).toBe('{"a":1}');
  });

  test('in a response flow it is a no-op that still returns false', async () => {
    const { configuration } = loadText(seq(`<loopback/><property name="after" value="1"/>`));
    const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration }), to: '/x' });
    mc.isResponse = true;
    const result = await runFlow(mc, async () => configuration.sequence('main')!.mediate(mc));
    expect(result).toBe(false);
    expect(mc.isResponse).toBe(true);
    expect(mc.to).toBe('/x');
    expect(mc.outcome).toBe('continue');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('loads without diagnostics', () => {
    expect(diagnose(seq(`<loopback/>`))).toEqual([]);
  });
});
