import { expect, test } from 'vitest';
import { run, seq } from '../../support/sequences.js';
test('smoke', async () => {
  const { mc } = await run(seq(`<property name="a" expression="concat('x', $ctx:b)"/><filter xpath="$ctx:a = 'xy'"><then><property name="ok" value="yes"/></then></filter><payloadFactory media-type="json"><format>{"v":"$1"}</format><args><arg expression="$ctx:a"/></args></payloadFactory>`), { properties: { b: 'y' } });
  expect(mc.properties.get('ok')).toBe('yes');
  expect(mc.payload.serialize('application/json')).toBe('{"v":"xy"}');
});
