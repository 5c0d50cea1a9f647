import { describe, expect, test } from 'vitest';
import { runFlow } from '../../../engine/interpreter.js';
import { diagnose, loadText, run, seq, SYNAPSE } from '../../support/sequences.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';

describe('respond (reference §2.10, checklist 2 and 12)', () => {
  test('returns false: the rest of the sequence does not run', async () => {
    const { mc, result } = await run(seq(`<property name="before" value="1"/><respond/><property name="after" value="1"/>`));
    expect(result).toBe(false);
    expect(mc.properties.get('before')).toBe('1');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('the message becomes the response: To is null, the flow is a response, the outcome is respond', async () => {
    const { mc } = await run(seq(`<respond/>`), { to: '/orders?id=1' });
    expect(mc.to).toBeNull();
    expect(mc.isResponse).toBe(true);
    expect(mc.outcome).toBe('respond');
  });

  test('the current message is what is sent back: body, HTTP_SC, headers and messageType are kept', async () => {
    const { mc } = await run(
      seq(`<payloadFactory media-type="json"><format>{"ok":true}</format></payloadFactory><property name="HTTP_SC" scope="axis2" value="201"/><header name="X-Reply" scope="transport" value="r"/><respond/>`),
      { headers: { 'X-Request': 'q' } },
    );
    expect(mc.payload.serialize(mc.messageType)).toBe('{"ok":true}');
    expect(String(mc.axis2.get('HTTP_SC'))).toBe('201');
    expect(mc.headers.get('X-Reply')).toBe('r');
    expect(mc.headers.get('X-Request')).toBe('q');
    expect(mc.messageType).toBe('application/json');
  });

  test('respond inside a called sequence stops the callers too', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main"><filter xpath="true()"><sequence key="inner"/></filter><property name="after" value="1"/></sequence>
  <sequence name="inner"><respond/><property name="inner-after" value="1"/></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.has('after')).toBe(false);
    expect(mc.properties.has('inner-after')).toBe(false);
  });

  test('works in a fault sequence: the outcome is respond, not fault', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="err"><sequence key="missing"/></sequence>
  <sequence name="err"><property name="HTTP_SC" scope="axis2" value="500"/><payloadFactory media-type="json"><format>{"error":"$1"}</format><args><arg expression="$ctx:ERROR_MESSAGE"/></args></payloadFactory><respond/></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(String(mc.axis2.get('HTTP_SC'))).toBe('500');
    expect(JSON.parse(String(mc.payload.serialize('application/json'))).error).toContain('missing');
  });

  test('works in a response flow', async () => {
    const { configuration } = loadText(seq(`<respond/><property name="after" value="1"/>`));
    const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration }) });
    mc.isResponse = true;
    const result = await runFlow(mc, async () => configuration.sequence('main')!.mediate(mc));
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('takes no attributes besides the common ones', () => {
    expect(diagnose(seq(`<respond description="back to client"/>`))).toEqual([]);
    expect(diagnose(seq(`\n  <respond status="200"/>`))).toEqual(['test.xml:2:12: warning: <respond> has no attribute "status"; Synapse ignores it']);
  });
});
