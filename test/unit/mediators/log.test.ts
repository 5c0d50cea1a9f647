import { describe, expect, test } from 'vitest';
import type { LogLevel } from '../../../engine/runtime.js';
import { runFlow } from '../../../engine/interpreter.js';
import { makeMessage, makeRuntime, MemoryLogger } from '../../support/runtime.js';
import { diagnose, loadText, run, seq } from '../../support/sequences.js';

const at = (line: number, column: number, message: string) => `test.xml:${line}:${column}: ${message}`;

/** Lines the log mediator wrote (the engine's own lines are left out). */
function logLines(logger: MemoryLogger): Array<{ level: LogLevel; message: string }> {
  return logger.lines.filter((l) => l.fields?.['mediator'] === 'log').map(({ level, message }) => ({ level, message }));
}

/** A logger with TRACE and DEBUG switched off, as in a production configuration. */
class InfoLogger extends MemoryLogger {
  override isEnabled(level?: LogLevel): boolean {
    return level !== 'trace' && level !== 'debug';
  }
}

describe('log levels (reference §2.8)', () => {
  test('custom logs only the properties, joined by ", "', async () => {
    const { runtime, result } = await run(
      seq(`<log level="custom"><property name="a" value="1"/><property name="b" expression="concat($ctx:x, '!')"/></log>`),
      { properties: { x: 'hi' } },
    );
    expect(result).toBe(true);
    expect(logLines(runtime.logger)).toEqual([{ level: 'info', message: 'a = 1, b = hi!' }]);
  });

  test('a null expression value prints as null; an empty one as nothing', async () => {
    const { runtime } = await run(seq(`<log level="custom"><property name="m" expression="get-property('missing')"/><property name="e" expression="//none"/></log>`), {
      body: '<a/>',
      contentType: 'application/xml',
    });
    expect(logLines(runtime.logger)[0]!.message).toBe('m = null, e = ');
  });

  test('a typed property prints with its Java text', async () => {
    const { runtime } = await run(seq(`<property name="n" type="INTEGER" value="5"/><property name="d" type="DOUBLE" value="2"/><log level="custom"><property name="n" expression="$ctx:n"/><property name="d" expression="get-property('d')"/></log>`));
    expect(logLines(runtime.logger)[0]!.message).toBe('n = 5, d = 2.0');
  });

  test('custom with logMessageID adds the message ID', async () => {
    const { runtime, mc } = await run(seq(`<log level="custom" logMessageID="true"><property name="a" value="1"/></log>`));
    const message = logLines(runtime.logger)[0]!.message;
    expect(message).toContain(mc.messageId);
    expect(message.endsWith('a = 1')).toBe(true);
  });

  test('simple (the default) gives To, MessageID, Direction, then the properties', async () => {
    const { runtime, mc } = await run(seq(`<log><property name="a" value="1"/></log>`), { to: '/orders/7?x=1' });
    expect(logLines(runtime.logger)).toEqual([
      { level: 'info', message: `To: /orders/7?x=1, MessageID: ${mc.messageId}, Direction: request, a = 1` },
    ]);
  });

  test('simple shows From, WSAction, SOAPAction and ReplyTo only when present, in that order', async () => {
    const { runtime, mc } = await run(
      seq(`<header name="From" value="urn:f"/><header name="ReplyTo" value="urn:r"/><header name="Action" value="urn:act"/><log/>`),
      { headers: { SOAPAction: 'urn:soap' } },
    );
    expect(logLines(runtime.logger)[0]!.message).toBe(
      `To: /test, From: urn:f, WSAction: urn:act, SOAPAction: urn:soap, ReplyTo: urn:r, MessageID: ${mc.messageId}, Direction: request`,
    );
  });

  test('headers lists the SOAP header blocks, then the properties', async () => {
    const { runtime } = await run(seq(`<header xmlns:m="urn:m" name="m:Token" value="t1"/><header xmlns:m="urn:m" name="m:Tenant" value="acme"/><log level="headers"><property name="a" value="1"/></log>`));
    expect(logLines(runtime.logger)[0]!.message).toBe('Token : t1, Tenant : acme, a = 1');
  });

  test('full adds the JSON payload of a JSON message after the properties', async () => {
    const { runtime } = await run(seq(`<log level="full"><property name="a" value="1"/></log>`), { body: '{"id":7}', contentType: 'application/json' });
    const message = logLines(runtime.logger)[0]!.message;
    expect(message).toMatch(/^To: \/test, .*Direction: request, a = 1, Payload: \{"id":7\}$/);
  });

  test('full adds the serialised envelope of an XML message', async () => {
    const { runtime } = await run(seq(`<log level="full"/>`), { body: '<order><id>7</id></order>', contentType: 'application/xml' });
    const message = logLines(runtime.logger)[0]!.message;
    expect(message).toMatch(/, Envelope: <soapenv:Envelope [^>]*><soapenv:Body><order><id>7<\/id><\/order><\/soapenv:Body><\/soapenv:Envelope>$/);
  });

  test('logFullPayload="true" forces level full', async () => {
    const { runtime } = await run(seq(`<log level="custom" logFullPayload="true"/>`), { body: '{"a":1}', contentType: 'application/json' });
    expect(logLines(runtime.logger)[0]!.message).toContain('Payload: {"a":1}');
  });

  test('direction is response for a response-flow message', async () => {
    const { configuration } = loadText(seq(`<log/>`));
    const runtime = makeRuntime({ artifacts: configuration });
    const mc = makeMessage({ runtime });
    mc.isResponse = true;
    await runFlow(mc, async () => configuration.sequence('main')!.mediate(mc));
    expect(logLines(runtime.logger)[0]!.message).toMatch(/, Direction: response$/);
  });

  test('log always returns true', async () => {
    const { mc, result } = await run(seq(`<log level="full" category="ERROR"/><property name="after" value="1"/>`));
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
  });
});

describe('log separator (reference §2.8)', () => {
  test('the two characters \\n in separator mean a newline', async () => {
    const { runtime } = await run(seq(`<log level="custom" separator="\\n"><property name="a" value="1"/><property name="b" value="2"/></log>`));
    expect(logLines(runtime.logger)[0]!.message).toBe('a = 1\nb = 2');
  });

  test('\\t means a tab, and any other separator is used as written', async () => {
    const tab = await run(seq(`<log level="custom" separator="\\t"><property name="a" value="1"/><property name="b" value="2"/></log>`));
    expect(logLines(tab.runtime.logger)[0]!.message).toBe('a = 1\tb = 2');
    const bar = await run(seq(`<log level="custom" separator=" | "><property name="a" value="1"/><property name="b" value="2"/></log>`));
    expect(logLines(bar.runtime.logger)[0]!.message).toBe('a = 1 | b = 2');
  });
});

describe('log category (reference §2.8)', () => {
  test.each([
    ['INFO', 'info'],
    ['WARN', 'warn'],
    ['ERROR', 'error'],
    ['FATAL', 'fatal'],
    ['DEBUG', 'debug'],
    ['TRACE', 'trace'],
    [' warn ', 'warn'],
    ['error', 'error'],
  ])('category %j logs at %s', async (category, level) => {
    const { runtime } = await run(seq(`<log level="custom" category="${category}"><property name="a" value="1"/></log>`));
    expect(logLines(runtime.logger)).toEqual([{ level, message: 'a = 1' }]);
  });

  test('TRACE and DEBUG only emit when that level is enabled', async () => {
    const logger = new InfoLogger();
    const { result } = await run(
      seq(`<log level="custom" category="TRACE"><property name="a" value="1"/></log><log level="custom" category="DEBUG"><property name="b" value="1"/></log><log level="custom" category="WARN"><property name="c" value="1"/></log>`),
      {},
      { logger },
    );
    expect(result).toBe(true);
    expect(logLines(logger)).toEqual([{ level: 'warn', message: 'c = 1' }]);
  });

  test('an expression under a disabled category is not evaluated, so it cannot fault', async () => {
    const logger = new InfoLogger();
    const { result } = await run(seq(`<log level="custom" category="DEBUG"><property name="x" expression="$ctx:s/a"/></log>`), { properties: { s: 'text' } }, { logger });
    expect(result).toBe(true);
  });
});

describe('log: load errors (reference §2.8)', () => {
  test('level values are exact lower-case strings', () => {
    expect(diagnose(seq(`\n  <log level="SIMPLE"/>`))).toEqual([at(2, 8, '<log> level="SIMPLE" is not one of simple, headers, full, custom')]);
    expect(diagnose(seq(`\n  <log level="verbose"/>`))).toEqual([at(2, 8, '<log> level="verbose" is not one of simple, headers, full, custom')]);
  });

  test('an invalid category', () => {
    expect(diagnose(seq(`\n  <log level="custom" category="NOTICE"/>`))).toEqual([at(2, 23, 'category "NOTICE" is not one of INFO, TRACE, DEBUG, WARN, ERROR, FATAL')]);
  });

  test('a property without name', () => {
    expect(diagnose(seq(`\n  <log>\n    <property value="1"/>\n  </log>`))).toEqual([at(3, 5, '<property> in <log> needs a name')]);
  });

  test('a property without value or expression', () => {
    expect(diagnose(seq(`\n  <log>\n    <property name="a"/>\n  </log>`))).toEqual([at(3, 5, '<property name="a"> in <log> needs value="..." or expression="..."')]);
  });

  test('a property scope other than default/transport/axis2/axis2-client', () => {
    expect(diagnose(seq(`\n  <log>\n    <property name="a" value="1" scope="registry"/>\n  </log>`))).toEqual([
      at(3, 34, 'scope "registry" is not one of default, transport, axis2, axis2-client'),
    ]);
    expect(diagnose(seq(`\n  <log><property name="a" value="1" scope="transport"/></log>`))).toEqual([]);
  });

  test('a property with a bad expression is reported at the attribute', () => {
    const d = diagnose(seq(`\n  <log>\n    <property name="a" expression="concat("/>\n  </log>`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^test\.xml:3:24: expression: invalid XPath/);
  });

  test('the MI 4.4 <message> template is refused', () => {
    expect(diagnose(seq(`\n  <log>\n    <message>id \${payload.id}</message>\n  </log>`))).toEqual([
      at(3, 5, '<log> <message> templates with ${...} (Micro Integrator 4.4 Synapse Expressions) are not supported'),
    ]);
  });
});

describe('log output passes through the redaction list', () => {
  test('masks properties with secret names, credentials in values, and secret payload fields', async () => {
    const { runtime } = await run(
      seq(`<log level="full"><property name="access_token" value="tok-123"/><property name="auth" expression="$trp:Authorization"/><property name="plain" value="visible"/></log>`),
      { body: '{"access_token":"tok-123","expires_in":60}', contentType: 'application/json', headers: { Authorization: 'Bearer tok-123' } },
    );
    const text = runtime.logger.text();
    expect(text).not.toContain('tok-123');
    expect(text).toContain('access_token = ***');
    expect(text).toContain('auth = Bearer ***');
    expect(text).toContain('plain = visible');
    expect(text).toContain('"expires_in":60');
  });
});
