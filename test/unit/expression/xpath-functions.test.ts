import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../engine/errors.js';
import { XPathExpression } from '../../../engine/expression/xpath-expression.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { JavaNumber } from '../../../engine/message/typed-value.js';
import { parseXml } from '../../../engine/xml/dom.js';
import type { LocalEntryValue } from '../../../engine/runtime.js';
import { makeMessage, makeRuntime, MemoryRegistry } from '../../support/runtime.js';

const NONE = new Map<string, string>();

function str(source: string, mc: MessageContext = makeMessage()): string | null {
  return new XPathExpression(source, NONE).stringValue(mc);
}

function withLocalEntries(entries: Record<string, LocalEntryValue>) {
  return makeRuntime({ artifacts: { sequence: () => undefined, localEntry: (key) => entries[key], endpoint: () => undefined } });
}

describe('get-property forms (reference §3.2.5)', () => {
  const mc = () => {
    const m = makeMessage({ properties: { p: 'default-value', axis2: 'a property named axis2' }, headers: { 'X-A': 'header' } });
    m.axis2.set('p', 'axis2-value');
    m.operation.set('p', 'operation-value');
    return m;
  };

  it('with no argument is ""', () => {
    expect(str('get-property()', mc())).toBe('');
  });

  it('with one argument reads the default scope', () => {
    expect(str("get-property('p')", mc())).toBe('default-value');
  });

  it('with two arguments reads the scope named first', () => {
    expect(str("get-property('default', 'p')", mc())).toBe('default-value');
    expect(str("get-property('axis2', 'p')", mc())).toBe('axis2-value');
    expect(str("get-property('operation', 'p')", mc())).toBe('operation-value');
    expect(str("get-property('transport', 'X-A')", mc())).toBe('header');
  });

  it('with two arguments whose first is no scope reads the default scope (the second is a date format)', () => {
    expect(str("get-property('p', 'yyyy')", mc())).toBe('default-value');
  });

  it('with three arguments reads the scope and ignores the format for ordinary names', () => {
    expect(str("get-property('axis2', 'p', 'yyyy')", mc())).toBe('axis2-value');
  });

  it('with three arguments and an unknown scope is ""', () => {
    expect(str("get-property('bogus', 'p', 'yyyy')", mc())).toBe('');
  });

  it('with more than three arguments is an error', () => {
    expect(() => str("get-property('a', 'b', 'c', 'd')", mc())).toThrow(ExpressionError);
  });

  it('accepts its arguments as expressions', () => {
    const m = makeMessage({ properties: { which: 'target', target: 'found' } });
    expect(str("get-property(get-property('which'))", m)).toBe('found');
    expect(str("get-property(concat('tar', 'get'))", m)).toBe('found');
  });
});

describe('get-property special names', () => {
  const at = new Date(2024, 0, 2, 15, 4, 5, 6);
  const runtime = makeRuntime({ now: () => at.getTime() });

  it('SYSTEM_TIME is the current time in milliseconds, as digits', () => {
    expect(str("get-property('SYSTEM_TIME')", makeMessage({ runtime }))).toBe(String(at.getTime()));
  });

  it('SYSTEM_TIME and SYSTEM_DATE are answered in any scope', () => {
    const mc = makeMessage({ runtime });
    expect(str("get-property('axis2', 'SYSTEM_TIME')", mc)).toBe(String(at.getTime()));
    expect(str("get-property('transport', 'SYSTEM_TIME')", mc)).toBe(String(at.getTime()));
    expect(str("get-property('axis2', 'SYSTEM_DATE', 'yyyy')", mc)).toBe('2024');
  });

  it('SYSTEM_TIME wins over a property of the same name', () => {
    const mc = makeMessage({ runtime, properties: { SYSTEM_TIME: 'shadow' } });
    expect(str("get-property('SYSTEM_TIME')", mc)).toBe(String(at.getTime()));
  });

  it('SYSTEM_DATE without a format is the JVM short date-time format', () => {
    expect(str("get-property('SYSTEM_DATE')", makeMessage({ runtime }))).toBe('1/2/24 3:04 PM');
  });

  it('SYSTEM_DATE with a format uses Java SimpleDateFormat letters', () => {
    const mc = makeMessage({ runtime });
    expect(str(`get-property('SYSTEM_DATE', "yyyy-MM-dd'T'HH:mm:ss.SSS")`, mc)).toBe('2024-01-02T15:04:05.006');
    expect(str("get-property('SYSTEM_DATE', 'dd/MM/yyyy')", mc)).toBe('02/01/2024');
    expect(str("get-property('default', 'SYSTEM_DATE', 'yyyyMMdd')", mc)).toBe('20240102');
    expect(str("get-property('SYSTEM_DATE', 'EEE, d MMM yyyy hh:mm a')", mc)).toBe('Tue, 2 Jan 2024 03:04 PM');
  });

  it('To is the To address, "" when there is none', () => {
    expect(str("get-property('To')", makeMessage({ to: '/editing/edit?a=1' }))).toBe('/editing/edit?a=1');
    const none = makeMessage();
    none.to = null;
    expect(str("get-property('To')", none)).toBe('');
  });

  it('MessageID is a urn:uuid', () => {
    const mc = makeMessage();
    expect(str("get-property('MessageID')", mc)).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(str("get-property('MessageID')", mc)).toBe(mc.messageId);
  });

  it('From, FaultTo, ReplyTo, Action and RelatesTo are "" when not set', () => {
    for (const name of ['From', 'FaultTo', 'ReplyTo', 'Action', 'RelatesTo']) {
      expect(str(`get-property('${name}')`)).toBe('');
    }
  });

  it('MESSAGE_FORMAT follows the content type', () => {
    expect(str("get-property('MESSAGE_FORMAT')", makeMessage({ contentType: 'text/xml', body: '<a/>' }))).toBe('soap11');
    expect(str("get-property('MESSAGE_FORMAT')", makeMessage({ contentType: 'application/soap+xml', body: '<a/>' }))).toBe('soap12');
    expect(str("get-property('MESSAGE_FORMAT')", makeMessage({ contentType: 'application/json', body: '{}' }))).toBe('pox');
    expect(str("get-property('MESSAGE_FORMAT')", makeMessage({ method: 'GET' }))).toBe('get');
  });
});

describe('get-property default scope values', () => {
  it('returns the property value raw (a LONG prints as Java prints it)', () => {
    const mc = makeMessage({ properties: { n: new JavaNumber('LONG', 42), d: new JavaNumber('DOUBLE', 42) } });
    expect(str("get-property('n')", mc)).toBe('42');
    expect(str("get-property('d')", mc)).toBe('42.0');
  });

  it('falls back to the local entry with that key', () => {
    const runtime = withLocalEntries({ text: 'local text', xml: parseXml('<cfg><v>1</v></cfg>').documentElement! });
    const mc = makeMessage({ runtime });
    expect(str("get-property('text')", mc)).toBe('local text');
    expect(str("get-property('xml')", mc)).toBe('<cfg><v>1</v></cfg>');
  });

  it('prefers a property over a local entry of the same key', () => {
    const runtime = withLocalEntries({ key: 'entry' });
    expect(str("get-property('key')", makeMessage({ runtime, properties: { key: 'property' } }))).toBe('property');
  });

  it('is null when there is neither property nor local entry', () => {
    expect(str("get-property('nothing')", makeMessage({ runtime: withLocalEntries({}) }))).toBeNull();
  });
});

describe('get-property other scopes', () => {
  it('transport is case-insensitive and null when absent', () => {
    const mc = makeMessage({ headers: { Authorization: 'Bearer t' } });
    expect(str("get-property('transport', 'authorization')", mc)).toBe('Bearer t');
    expect(str("get-property('transport', 'AUTHORIZATION')", mc)).toBe('Bearer t');
    expect(str("get-property('transport', 'X-None')", mc)).toBeNull();
  });

  it('axis2 reads axis2 properties such as HTTP_METHOD and messageType', () => {
    const mc = makeMessage({ method: 'get', contentType: 'application/json; charset=UTF-8' });
    mc.axis2.set('HTTP_SC', 201);
    expect(str("get-property('axis2', 'HTTP_METHOD')", mc)).toBe('GET');
    expect(str("get-property('axis2', 'messageType')", mc)).toBe('application/json');
    expect(str("get-property('axis2', 'ContentType')", mc)).toBe('application/json; charset=UTF-8');
    expect(str("get-property('axis2', 'HTTP_SC')", mc)).toBe('201');
    expect(str("get-property('axis2', 'missing')", mc)).toBeNull();
  });

  it('env reads environment variables, "" when missing', () => {
    const mc = makeMessage({ runtime: makeRuntime({ env: { STAGE: 'prod' } }) });
    expect(str("get-property('env', 'STAGE')", mc)).toBe('prod');
    expect(str("get-property('env', 'MISSING')", mc)).toBe('');
  });

  it('system, file and func are "" (no Java system properties, file.properties or template here)', () => {
    expect(str("get-property('system', 'user.home')")).toBe('');
    expect(str("get-property('file', 'key')")).toBe('');
    expect(str("get-property('func', 'param')")).toBe('');
  });

  describe('registry (reference §4.3)', () => {
    const registry = new MemoryRegistry();
    registry.resources.set('gov:/apps/token', { content: 'abc', properties: new Map([['expires', '3600']]) });
    registry.resources.set('conf:/cfg', { content: '<cfg><v>1</v></cfg>', properties: new Map() });
    const mc = () => makeMessage({ runtime: makeRuntime({ registry }) });

    it('returns the resource content as text', () => {
      expect(str("get-property('registry', 'gov:/apps/token')", mc())).toBe('abc');
      expect(str("get-property('registry', 'conf:/cfg')", mc())).toBe('<cfg><v>1</v></cfg>');
    });

    it('reads a key without prefix as gov:', () => {
      expect(str("get-property('registry', '/apps/token')", mc())).toBe('abc');
    });

    it('returns a resource property with key@prop', () => {
      expect(str("get-property('registry', 'gov:/apps/token@expires')", mc())).toBe('3600');
    });

    it('is "" for a missing resource or property, or more than one @', () => {
      expect(str("get-property('registry', 'gov:/apps/none')", mc())).toBe('');
      expect(str("get-property('registry', 'gov:/apps/token@none')", mc())).toBe('');
      expect(str("get-property('registry', 'gov:/apps/none@expires')", mc())).toBe('');
      expect(str("get-property('registry', 'gov:/apps/token@expires@x')", mc())).toBe('');
    });

    it('is "" when there is no registry', () => {
      expect(str("get-property('registry', 'gov:/apps/token')")).toBe('');
    });
  });
});

describe('base64Encode / base64Decode (reference §3.3)', () => {
  it('encodes UTF-8 by default', () => {
    expect(str("base64Encode('hello')")).toBe('aGVsbG8=');
    expect(str("base64Encode('hello wörld')")).toBe('aGVsbG8gd8O2cmxk');
  });

  it('encodes in the given charset', () => {
    expect(str("base64Encode('hello wörld', 'ISO-8859-1')")).toBe('aGVsbG8gd/ZybGQ=');
    expect(str("base64Encode('hello', 'US-ASCII')")).toBe('aGVsbG8=');
  });

  it('encodes client:secret for a Basic header', () => {
    const mc = makeMessage({ properties: { clientKey: 'key', clientSecret: 'secret' } });
    expect(str("concat('Basic ', base64Encode(concat($ctx:clientKey, ':', $ctx:clientSecret)))", mc)).toBe('Basic a2V5OnNlY3JldA==');
  });

  it('never breaks long output into lines', () => {
    const long = 'x'.repeat(200);
    const out = str(`base64Encode('${long}')`)!;
    expect(out).not.toMatch(/\s/);
    expect(Buffer.from(out, 'base64').toString()).toBe(long);
  });

  it('gives "" for an empty or null input', () => {
    expect(str("base64Encode('')")).toBe('');
    expect(str("base64Encode(get-property('missing'))")).toBe('');
    expect(str("base64Decode('')")).toBe('');
  });

  it('refuses an unknown charset', () => {
    expect(() => str("base64Encode('a', 'x-no-such')")).toThrow(ExpressionError);
    expect(() => str("base64Decode('YQ==', 'x-no-such')")).toThrow(ExpressionError);
  });

  it('decodes to UTF-8 text by default, or the given charset', () => {
    expect(str("base64Decode('aGVsbG8gd8O2cmxk')")).toBe('hello wörld');
    expect(str("base64Decode('aGVsbG8gd/ZybGQ=', 'ISO-8859-1')")).toBe('hello wörld');
  });

  it('trims the decoded text', () => {
    expect(str("base64Decode('IGhpIAo=')")).toBe('hi');
  });

  it('round-trips', () => {
    expect(str("base64Decode(base64Encode('a:b/c'))")).toBe('a:b/c');
  });

  it('checks its number of arguments', () => {
    expect(() => str('base64Encode()')).toThrow(/arguments/);
    expect(() => str("base64Decode('a', 'b', 'c')")).toThrow(/arguments/);
  });
});

describe('url-encode (reference §3.3)', () => {
  it('encodes spaces as %20 and keeps characters legal in a path and query', () => {
    expect(str("url-encode('a b')")).toBe('a%20b');
    expect(str("url-encode('/p/q?x=1&y=2')")).toBe('/p/q?x=1&y=2');
  });

  it('encodes characters not legal in a path or query', () => {
    expect(str("url-encode('a#b%c')")).toBe('a%23b%25c');
    expect(str("url-encode('<x>')")).toBe('%3Cx%3E');
  });

  it('encodes non-ASCII as UTF-8 bytes by default, or the given charset', () => {
    expect(str("url-encode('ü')")).toBe('%C3%BC');
    expect(str("url-encode('ü', 'ISO-8859-1')")).toBe('%FC');
  });

  it('gives "" for a null input', () => {
    expect(str("url-encode(get-property('missing'))")).toBe('');
  });
});

describe('hmac-generate (reference §3.3)', () => {
  it('defaults to HmacSHA1 in lower-case hex (RFC 2202 test case 2)', () => {
    expect(str("hmac-generate('what do ya want for nothing?', 'Jefe')")).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('takes the algorithm as a Java name, case-insensitively (RFC 4231 test case 2)', () => {
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(str("hmac-generate('what do ya want for nothing?', 'Jefe', 'HmacSHA256')")).toBe(expected);
    expect(str("hmac-generate('what do ya want for nothing?', 'Jefe', 'hmacsha256')")).toBe(expected);
  });

  it('refuses an unknown algorithm', () => {
    expect(() => str("hmac-generate('a', 'b', 'HmacNope')")).toThrow(ExpressionError);
  });

  it('needs a payload and a secret', () => {
    expect(() => str("hmac-generate('a')")).toThrow(/arguments/);
  });
});
