import { describe, expect, test } from 'vitest';
import { DEFAULT_PAYLOAD_LIMITS } from '../../../engine/message/payload.js';
import { MemoryRegistry } from '../../support/runtime.js';
import { diagnose, run, seq, SYNAPSE } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

/** An inline script (CDATA, as real configurations write it) followed by a marker property. */
const js = (code: string, after = '<property name="after" value="1"/>') => seq(`<script language="js"><![CDATA[${code}]]></script>${after}`);

function withFaultHandler(main: string, extra = ''): string {
  return `<definitions ${SYNAPSE}>
  <sequence name="main" onError="err">${main}</sequence>
  <sequence name="err"><property name="faulted" value="yes"/></sequence>
  ${extra}
</definitions>`;
}

describe('script: JSON payload helpers (reference §2.15)', () => {
  test('getPayloadJSON gives the payload as an object; setPayloadJSON replaces it', async () => {
    const { mc, result } = await run(js(`var p = mc.getPayloadJSON(); p.total = p.items.length; p.items.push('c'); mc.setPayloadJSON(p);`), {
      body: '{"items":["a","b"]}',
      contentType: 'application/json',
    });
    expect(result).toBe(true);
    expect(JSON.parse(String(mc.payload.serialize('application/json')))).toEqual({ items: ['a', 'b', 'c'], total: 2 });
    expect(mc.properties.get('after')).toBe('1');
  });

  test('setPayloadJSON accepts JSON text too', async () => {
    const { mc } = await run(js(`mc.setPayloadJSON('{"x":[1,2]}');`), { body: '{}', contentType: 'application/json' });
    expect(mc.payload.serialize('application/json')).toBe('{"x":[1,2]}');
  });

  test('the object from getPayloadJSON is a plain object of the script; later reads see setPayloadJSON', async () => {
    const { mc } = await run(js(`mc.setPayloadJSON({n: 1}); var again = mc.getPayloadJSON(); mc.setProperty('n', again.n + 1);`), { body: '{"n":0}', contentType: 'application/json' });
    expect(String(mc.properties.get('n'))).toBe('2');
  });

  test('getPayloadJSON without a payload is {}', async () => {
    const { mc } = await run(js(`mc.setProperty('keys', JSON.stringify(mc.getPayloadJSON()));`));
    expect(mc.properties.get('keys')).toBe('{}');
  });

  test('a JSON payload change is visible to later mediators', async () => {
    const { mc } = await run(js(`mc.setPayloadJSON({status: 'done'});`, `<property name="s" expression="json-eval($.status)"/><property name="x" expression="//status"/>`), {
      body: '{"status":"new"}',
      contentType: 'application/json',
    });
    expect(mc.properties.get('s')).toBe('done');
    expect(mc.properties.get('x')).toBe('done');
  });

  test('getPayloadXML / setPayloadXML work on the first body element as XML text', async () => {
    const { mc } = await run(js(`var x = mc.getPayloadXML(); mc.setProperty('was', x); mc.setPayloadXML('<b>2</b>');`), { body: '<a>1</a>', contentType: 'application/xml' });
    expect(mc.properties.get('was')).toBe('<a>1</a>');
    expect(mc.payload.serialize('application/xml')).toBe('<b>2</b>');
  });
});

describe('script: properties (reference §2.15)', () => {
  test('getProperty reads the default scope only', async () => {
    const { mc } = await run(
      js(`mc.setProperty('r', mc.getProperty('x') + '|' + mc.getProperty('HTTP_SC') + '|' + mc.getProperty('missing'));`),
      { properties: { x: 'val' } },
    );
    expect(mc.properties.get('r')).toBe('val|null|null');
  });

  test('getProperty of a typed property gives its value', async () => {
    const { mc } = await run(seq(`<property name="n" type="INTEGER" value="41"/><property name="b" type="BOOLEAN" value="true"/><script language="js"><![CDATA[mc.setProperty('r', Number(mc.getProperty('n')) + 1); mc.setProperty('bb', mc.getProperty('b') === true || mc.getProperty('b') === 'true');]]></script>`));
    expect(String(mc.properties.get('r'))).toBe('42');
    expect(mc.properties.get('bb')).toBe(true);
  });

  test('setProperty(name, value) writes the default scope', async () => {
    const { mc } = await run(js(`mc.setProperty('a', 'x'); mc.setProperty('obj', {k: 1});`, `<property name="a2" expression="$ctx:a"/>`));
    expect(mc.properties.get('a')).toBe('x');
    expect(mc.properties.get('a2')).toBe('x');
    expect(String(mc.properties.get('obj'))).toBe('{"k":1}');
  });

  test('setProperty with scope axis2, transport, operation', async () => {
    const { mc } = await run(js(`mc.setProperty('HTTP_SC', '418', 'axis2'); mc.setProperty('X-From-Script', 'yes', 'transport'); mc.setProperty('op', 'o', 'operation'); mc.setProperty('d', 'v', 'default');`));
    expect(String(mc.axis2.get('HTTP_SC'))).toBe('418');
    expect(mc.headers.get('x-from-script')).toBe('yes');
    expect(mc.operation.get('op')).toBe('o');
    expect(mc.properties.get('d')).toBe('v');
    expect(mc.properties.has('HTTP_SC')).toBe(false);
  });

  test('axis2 messageType also sets ContentType and the Content-Type header', async () => {
    const { mc } = await run(js(`mc.setProperty('messageType', 'application/xml', 'axis2');`), { body: '{}', contentType: 'application/json' });
    expect(mc.axis2.get('messageType')).toBe('application/xml');
    expect(mc.axis2.get('ContentType')).toBe('application/xml');
    expect(mc.headers.get('Content-Type')).toBe('application/xml');
  });

  test('the registry scope (and any other) is silently ignored: no registry writes through setProperty', async () => {
    const registry = new MemoryRegistry();
    const { mc, result } = await run(js(`mc.setProperty('conf:/x', 'v', 'registry'); mc.setProperty('y', 'v', 'system'); mc.setProperty('z', 'v', 'env');`), {}, { registry });
    expect(result).toBe(true);
    expect(registry.resources.size).toBe(0);
    expect(mc.properties.has('conf:/x')).toBe(false);
    expect(mc.properties.has('y')).toBe(false);
    expect(mc.properties.has('z')).toBe(false);
  });

  test('removeProperty(name, scope)', async () => {
    const { mc } = await run(js(`mc.removeProperty('d', 'default'); mc.removeProperty('x-gone', 'transport'); mc.removeProperty('a', 'axis2');`, ''), {
      properties: { d: '1' },
      headers: { 'X-Gone': '1', 'X-Kept': '1' },
    });
    expect(mc.properties.has('d')).toBe(false);
    expect(mc.headers.has('X-Gone')).toBe(false);
    expect(mc.headers.has('X-Kept')).toBe(true);
  });

  test('a transport value with CR/LF set from a script faults', async () => {
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[mc.setProperty('X-Bad', 'a\\r\\nb', 'transport');]]></script>`));
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(mc.headers.has('X-Bad')).toBe(false);
  });

  test('To, message ID and direction pass through', async () => {
    const { mc } = await run(js(`mc.setProperty('was', mc.getTo()); mc.setProperty('id', mc.getMessageID()); mc.setProperty('resp', String(mc.isResponse())); mc.setTo('http://backend/x');`), { to: '/orders' });
    expect(mc.properties.get('was')).toBe('/orders');
    expect(mc.properties.get('id')).toBe(mc.messageId);
    expect(mc.properties.get('resp')).toBe('false');
    expect(mc.to).toBe('http://backend/x');
  });
});

describe('script: result (reference §2.15, checklist 14)', () => {
  test('⚠ a last expression that is the boolean false stops the flow', async () => {
    const { mc, result } = await run(js(`mc.setProperty('ran', 'yes'); false`));
    expect(result).toBe(false);
    expect(mc.properties.get('ran')).toBe('yes');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('⚠ a comparison evaluating to false stops the flow too', async () => {
    const { result, mc } = await run(js(`var p = mc.getPayloadJSON(); p.ok === true`), { body: '{"ok":false}', contentType: 'application/json' });
    expect(result).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });

  test.each([
    ['true', 'true'],
    ["the string 'false'", `'false'`],
    ['undefined', 'undefined'],
    ['0', '0'],
    ['null', 'null'],
    ['a statement', `mc.setProperty('x', '1');`],
  ])('any other value (%s) continues', async (_, code) => {
    const { mc, result } = await run(js(code));
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });

  test('false from a script in a called sequence stops the callers', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main"><sequence key="sub"/><property name="after" value="1"/></sequence>
  <sequence name="sub"><script language="js"><![CDATA[false]]></script></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });
});

describe('script: errors (reference §2.15)', () => {
  test('an exception faults; ERROR_MESSAGE is the first line of the message', async () => {
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[throw new Error('bad input\\nsecond line');]]></script><property name="after" value="1"/>`));
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(mc.properties.has('after')).toBe(false);
    const message = String(mc.properties.get('ERROR_MESSAGE'));
    expect(message).toContain('bad input');
    expect(message).not.toContain('second line');
    expect(String(mc.properties.get('ERROR_CODE'))).toBe('0');
  });

  test('a TypeError in the script faults', async () => {
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[mc.getPayloadJSON().missing.field;]]></script>`));
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('a script that runs too long faults', async () => {
    const started = Date.now();
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[for (;;) {}]]></script>`), {}, { limits: { payload: DEFAULT_PAYLOAD_LIMITS, scriptTimeoutMs: 100 } });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('100 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a promise callback that never ends is bounded by the same timeout', async () => {
    const { mc } = await run(
      withFaultHandler(`<script language="js"><![CDATA[Promise.resolve().then(() => { for (;;) {} }); true]]></script>`),
      {},
      { limits: { payload: DEFAULT_PAYLOAD_LIMITS, scriptTimeoutMs: 100 } },
    );
    expect(mc.properties.get('faulted')).toBe('yes');
  });

  test('Java interop fails at run time with a clear message', async () => {
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[var s = new java.lang.String('x');]]></script>`));
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toMatch(/Java/);
  });
});

describe('script: isolation', () => {
  test('no require, process, module, global timers or Buffer', async () => {
    const { mc } = await run(
      js(`mc.setProperty('t', [typeof require, typeof process, typeof module, typeof globalThis.process, typeof setTimeout, typeof Buffer, typeof fetch].join(','));`),
    );
    expect(mc.properties.get('t')).toBe('undefined,undefined,undefined,undefined,undefined,undefined,undefined');
  });

  test('mc.getPayloadJSON.constructor.constructor cannot reach process', async () => {
    const { mc, result } = await run(
      js(`var r;
try { var p = mc.getPayloadJSON.constructor.constructor('return process')(); r = typeof p === 'object' && p !== null && typeof p.exit === 'function' ? 'ESCAPED' : 'no process: ' + typeof p; }
catch (e) { r = 'blocked'; }
mc.setProperty('r', r);`),
    );
    expect(result).toBe(true);
    expect(mc.properties.get('r')).not.toBe('ESCAPED');
    expect(mc.properties.get('r')).toMatch(/^(blocked|no process: undefined)$/);
  });

  test('other constructor chains and eval are blocked too', async () => {
    const { mc } = await run(
      js(`var out = [];
var attempts = [
  function () { return mc.constructor.constructor('return process')(); },
  function () { return mc.getConfiguration().getRegistry().getResource.constructor('return process')(); },
  function () { return (async function () {}).constructor('return process')(); },
  function () { return eval('process'); },
  function () { return this.constructor.constructor('return process')(); },
];
for (var i = 0; i < attempts.length; i++) {
  try { var p = attempts[i](); out.push(p && typeof p.exit === 'function' ? 'ESCAPED' : 'none'); } catch (e) { out.push('blocked'); }
}
mc.setProperty('r', out.join(','));`),
    );
    expect(String(mc.properties.get('r'))).not.toContain('ESCAPED');
  });

  test('a value a script leaves behind cannot run code later, outside the timeout', async () => {
    const { mc } = await run(
      js(`var f = function () {}; f.toString = function () { for (;;) {} }; try { mc.setProperty('f', f); } catch (e) {} true`, '<log level="custom"><property name="f" expression="$ctx:f"/></log><property name="after" value="1"/>'),
      {},
      { limits: { payload: DEFAULT_PAYLOAD_LIMITS, scriptTimeoutMs: 100 } },
    );
    // The function is turned into text inside the script's run, so its endless toString hits the timeout there.
    expect(mc.outcome).toBe('fault');
    expect(mc.properties.has('f')).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
  });
});

describe('script: registry API through mc.getConfiguration().getRegistry() (reference §4.5)', () => {
  test('reads resources and properties', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('conf:/token', { content: 'abc', properties: new Map([['expires', '3600']]) });
    const { mc } = await run(
      js(`var reg = mc.getConfiguration().getRegistry();
mc.setProperty('content', reg.getResource('conf:/token'));
mc.setProperty('looked', reg.lookup('conf:/token'));
mc.setProperty('exists', String(reg.isResourceExists('conf:/token')) + '/' + String(reg.isResourceExists('conf:/nope')));
mc.setProperty('expires', reg.getResourceProperties('conf:/token').expires);
mc.setProperty('missing', String(reg.getResource('conf:/nope')));`),
      {},
      { registry },
    );
    expect(mc.properties.get('content')).toBe('abc');
    expect(mc.properties.get('looked')).toBe('abc');
    expect(mc.properties.get('exists')).toBe('true/false');
    expect(mc.properties.get('expires')).toBe('3600');
    expect(mc.properties.get('missing')).toBe('null');
  });

  test('the token-cache idiom: create if missing, then update; the script sees its own writes', async () => {
    const registry = new MemoryRegistry();
    const { mc } = await run(
      js(`var reg = mc.getConfiguration().getRegistry();
var key = 'local:/oauth/token';
if (!reg.isResourceExists(key)) reg.newResource(key, false);
reg.updateResource(key, 'tok-1');
mc.setProperty('readBack', reg.getResource(key));`),
      {},
      { registry },
    );
    expect(registry.readText('local:/oauth/token')).toBe('tok-1');
    expect(mc.properties.get('readBack')).toBe('tok-1');
  });

  test('updateResource on a resource that does not exist does nothing', async () => {
    const registry = new MemoryRegistry();
    const { result } = await run(js(`mc.getConfiguration().getRegistry().updateResource('gov:/none', 'x');`), {}, { registry });
    expect(result).toBe(true);
    expect(registry.exists('gov:/none')).toBe(false);
  });

  test('newNonEmptyResource writes content, or a single property when a property name is given', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('conf:/p', { content: 'old', properties: new Map([['keep', 'no']]) });
    await run(
      js(`var reg = mc.getConfiguration().getRegistry();
reg.newNonEmptyResource('conf:/c', false, 'text/plain', 'content-1', '');
reg.newNonEmptyResource('conf:/p', false, 'text/plain', 'v1', 'prop');`),
      {},
      { registry },
    );
    expect(registry.readText('conf:/c')).toBe('content-1');
    expect(registry.readProperty('conf:/p', 'prop')).toBe('v1');
    expect(registry.readProperty('conf:/p', 'keep')).toBeNull();
  });

  test('delete removes a resource', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('gov:/d', { content: 'x', properties: new Map() });
    await run(js(`mc.getConfiguration().getRegistry().delete('gov:/d');`), {}, { registry });
    expect(registry.exists('gov:/d')).toBe(false);
  });

  test('writes are visible to the mediators after the script', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('local:/t', { content: 'old', properties: new Map() });
    const { mc } = await run(js(`mc.getConfiguration().getRegistry().updateResource('local:/t', 'new');`, `<property name="r" expression="get-property('registry', 'local:/t')"/>`), {}, { registry });
    expect(mc.properties.get('r')).toBe('new');
  });

  test('writes made before the script fails are kept, as Synapse writes them at once', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('local:/t', { content: 'old', properties: new Map() });
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[mc.getConfiguration().getRegistry().updateResource('local:/t', 'new'); throw new Error('boom');]]></script>`), {}, { registry });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(registry.readText('local:/t')).toBe('new');
  });

  test('without a registry the registry API fails the script', async () => {
    const { mc } = await run(withFaultHandler(`<script language="js"><![CDATA[mc.getConfiguration().getRegistry().getResource('x');]]></script>`));
    expect(mc.properties.get('faulted')).toBe('yes');
  });
});

describe('script: key, function and include (reference §2.15)', () => {
  test('a script from a local entry runs its function (default "mediate"); its false return stops the flow', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <localEntry key="lib.js"><![CDATA[function mediate(mc) { mc.setProperty('ran', 'mediate'); return false; }]]></localEntry>
  <sequence name="main"><script language="js" key="lib.js"/><property name="after" value="1"/></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.properties.get('ran')).toBe('mediate');
    expect(mc.properties.has('after')).toBe(false);
  });

  test('function="…" picks the function; includes are loaded first', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <localEntry key="helpers.js"><![CDATA[function twice(s) { return s + s; }]]></localEntry>
  <localEntry key="main.js"><![CDATA[function transform(mc) { mc.setProperty('r', twice('ab')); return true; }]]></localEntry>
  <sequence name="main"><script language="js" key="main.js" function="transform"><include key="helpers.js"/></script><property name="after" value="1"/></sequence>
</definitions>`);
    expect(result).toBe(true);
    expect(mc.properties.get('r')).toBe('abab');
    expect(mc.properties.get('after')).toBe('1');
  });

  test('a script key in the registry, given dynamically', async () => {
    const registry = new MemoryRegistry();
    registry.resources.set('conf:/scripts/s.js', { content: `function mediate(mc) { mc.setProperty('from', 'registry'); }`, properties: new Map() });
    const { mc } = await run(seq(`<script language="js" key="{$ctx:scriptKey}"/>`), { properties: { scriptKey: 'conf:/scripts/s.js' } }, { registry });
    expect(mc.properties.get('from')).toBe('registry');
  });

  test('a missing script key faults naming the key', async () => {
    const { mc } = await run(withFaultHandler(`<script language="js" key="conf:/none.js"/>`), {}, { registry: new MemoryRegistry() });
    expect(mc.properties.get('faulted')).toBe('yes');
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('conf:/none.js');
  });
});

describe('script: load errors (reference §2.15)', () => {
  test('language is required', () => {
    expect(diagnose(seq(`\n  <script><![CDATA[true]]></script>`))).toEqual([at(2, 3, '<script> needs the attribute "language"')]);
  });

  test('language="rb" (or any non-JavaScript language) is refused at the attribute', () => {
    expect(diagnose(seq(`\n  <script language="rb"><![CDATA[puts 1]]></script>`))).toEqual([
      at(2, 11, 'script language "rb" is not supported: Mediate runs JavaScript (language="js")'),
    ]);
  });

  test.each(['js', 'rhinoJs', 'nashornJs'])('language="%s" is accepted', (language) => {
    expect(diagnose(seq(`<script language="${language}"><![CDATA[true]]></script>`))).toEqual([]);
  });

  test('an E4X XML literal is refused with a message that says so', () => {
    expect(diagnose(seq(`\n  <script language="js"><![CDATA[mc.setPayloadXML(<response><ok>true</ok></response>);]]></script>`))).toEqual([
      at(2, 3, '<script> uses E4X XML literals (Rhino-only syntax), which a modern JavaScript engine does not parse'),
    ]);
  });

  test('a syntax error is refused at load time', () => {
    const d = diagnose(seq(`\n  <script language="js"><![CDATA[var x = ;]]></script>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:2:3: <script> does not compile: /);
  });

  test('function without key is a deploy error at function', () => {
    expect(diagnose(seq(`\n  <script language="js" function="run"><![CDATA[true]]></script>`))).toEqual([at(2, 25, 'function="..." needs key="..."')]);
  });

  test('Java interop is warned about', () => {
    expect(diagnose(seq(`\n  <script language="js"><![CDATA[var t = Java.type('java.lang.System');]]></script>`))).toEqual([
      at(2, 3, 'warning: the script uses Java interop (Java.type / java.*), which fails at run time: Mediate has no Java bridge'),
    ]);
  });
});
