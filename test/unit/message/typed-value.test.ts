import { describe, expect, it } from 'vitest';
import { TypeConversionError } from '../../../engine/errors.js';
import { convertValue, isElement, JavaNumber, JsonProperty, PROPERTY_TYPES, stringOf, type PropertyType } from '../../../engine/message/typed-value.js';
import { parseXml, serializeXml } from '../../../engine/xml/dom.js';

function convert(text: string | null, type: PropertyType) {
  return convertValue(text, type, 'prop');
}

function number(text: string, type: PropertyType): number {
  const value = convert(text, type);
  expect(value).toBeInstanceOf(JavaNumber);
  expect((value as JavaNumber).type).toBe(type);
  return (value as JavaNumber).value;
}

describe('convertValue (reference §2.1)', () => {
  it('knows the property mediator types', () => {
    expect([...PROPERTY_TYPES].sort()).toEqual(['BOOLEAN', 'DOUBLE', 'FLOAT', 'INTEGER', 'JSON', 'LONG', 'OM', 'SHORT', 'STRING']);
  });

  describe('STRING', () => {
    it('keeps the string as it is, null included', () => {
      expect(convert(' a b ', 'STRING')).toBe(' a b ');
      expect(convert('', 'STRING')).toBe('');
      expect(convert(null, 'STRING')).toBeNull();
    });
  });

  describe('LONG: strict Long.parseLong', () => {
    it('parses integers, with an optional sign', () => {
      expect(number('12', 'LONG')).toBe(12);
      expect(number('-12', 'LONG')).toBe(-12);
      expect(number('+12', 'LONG')).toBe(12);
      expect(number('1700000000000', 'LONG')).toBe(1_700_000_000_000);
    });

    it('refuses "12.0", "", spaces, words and null', () => {
      for (const text of ['12.0', '', ' 12', '12 ', 'abc', '1e3', '0x10']) {
        expect(() => convert(text, 'LONG'), text).toThrow(TypeConversionError);
      }
      expect(() => convert(null, 'LONG')).toThrow(TypeConversionError);
    });

    it('refuses values outside the 64-bit range', () => {
      expect(() => convert('9223372036854775808', 'LONG')).toThrow(TypeConversionError);
      expect(() => convert('-9223372036854775809', 'LONG')).toThrow(TypeConversionError);
      expect(() => convert('9223372036854775807', 'LONG')).not.toThrow();
    });

    it('prints as a Java long, without .0', () => {
      expect(String(convert('5', 'LONG'))).toBe('5');
    });
  });

  describe('INTEGER and SHORT: truncate a decimal, else strict', () => {
    it('truncates text containing a dot, as XPath numbers print 12.0', () => {
      expect(number('12.0', 'INTEGER')).toBe(12);
      expect(number('12.9', 'INTEGER')).toBe(12);
      expect(number('-12.9', 'INTEGER')).toBe(-12);
      expect(number('7.5', 'SHORT')).toBe(7);
    });

    it('parses plain integers strictly', () => {
      expect(number('42', 'INTEGER')).toBe(42);
      expect(() => convert('', 'INTEGER')).toThrow(TypeConversionError);
      expect(() => convert('4 2', 'INTEGER')).toThrow(TypeConversionError);
      expect(() => convert('abc.d', 'INTEGER')).toThrow(TypeConversionError);
    });

    it('refuses values outside the type range', () => {
      expect(() => convert('2147483648', 'INTEGER')).toThrow(TypeConversionError);
      expect(number('2147483647', 'INTEGER')).toBe(2147483647);
      expect(() => convert('32768', 'SHORT')).toThrow(TypeConversionError);
      expect(number('-32768', 'SHORT')).toBe(-32768);
    });
  });

  describe('DOUBLE and FLOAT', () => {
    it('parses Java double syntax', () => {
      expect(number('1.5', 'DOUBLE')).toBe(1.5);
      expect(number('1e3', 'DOUBLE')).toBe(1000);
      expect(number(' 2.5 ', 'DOUBLE')).toBe(2.5);
      expect(number('.5', 'DOUBLE')).toBe(0.5);
      expect(number('3d', 'DOUBLE')).toBe(3);
      expect(number('-Infinity', 'DOUBLE')).toBe(-Infinity);
      expect(Number.isNaN(number('NaN', 'DOUBLE'))).toBe(true);
    });

    it('refuses text that is no number', () => {
      expect(() => convert('abc', 'DOUBLE')).toThrow(TypeConversionError);
      expect(() => convert('', 'DOUBLE')).toThrow(TypeConversionError);
      expect(() => convert(null, 'DOUBLE')).toThrow(TypeConversionError);
      expect(() => convert('1,5', 'FLOAT')).toThrow(TypeConversionError);
    });

    it('prints as a Java double', () => {
      expect(String(convert('5', 'DOUBLE'))).toBe('5.0');
      expect(String(convert('1700000000000', 'DOUBLE'))).toBe('1.7E12');
    });

    it('rounds FLOAT to single precision', () => {
      expect(number('1.1', 'FLOAT')).toBe(Math.fround(1.1));
    });
  });

  describe('BOOLEAN: JavaUtils.isTrueExplicitly', () => {
    it.each(['true', 'TRUE', 'True', 'yes', 'YES', '1'])('%s is true', (text) => {
      expect(convert(text, 'BOOLEAN')).toBe(true);
    });

    it.each(['false', '0', 'no', 'on', '', ' true', 'true ', '01', 'y'])('"%s" is false', (text) => {
      expect(convert(text, 'BOOLEAN')).toBe(false);
    });

    it('null is false', () => {
      expect(convert(null, 'BOOLEAN')).toBe(false);
    });
  });

  describe('OM', () => {
    it('parses the text as an XML element', () => {
      const value = convert('<a><b>1</b></a>', 'OM');
      expect(isElement(value)).toBe(true);
      expect(serializeXml(value as never)).toBe('<a><b>1</b></a>');
    });

    it('refuses text that is not well-formed XML, naming the property', () => {
      expect(() => convertValue('<a>', 'OM', 'payload')).toThrow(TypeConversionError);
      expect(() => convertValue('<a>', 'OM', 'payload')).toThrow(/payload/);
      expect(() => convert('plain text', 'OM')).toThrow(TypeConversionError);
    });

    it('refuses a DOCTYPE', () => {
      expect(() => convert('<!DOCTYPE a><a/>', 'OM')).toThrow(TypeConversionError);
    });

    it('keeps null', () => {
      expect(convert(null, 'OM')).toBeNull();
    });
  });

  describe('JSON', () => {
    it('parses JSON text', () => {
      const value = convert('{"a":[1,2]}', 'JSON');
      expect(value).toBeInstanceOf(JsonProperty);
      expect((value as JsonProperty).value).toEqual({ a: [1, 2] });
      expect(String(value)).toBe('{"a":[1,2]}');
      expect((convert('42', 'JSON') as JsonProperty).value).toBe(42);
      expect((convert('true', 'JSON') as JsonProperty).value).toBe(true);
    });

    it('retries invalid JSON as a quoted string, so a bare word becomes a JSON string', () => {
      const value = convert('hello world', 'JSON') as JsonProperty;
      expect(value.value).toBe('hello world');
      expect(String(value)).toBe('"hello world"');
    });

    it('stores null when even the quoted retry is invalid', () => {
      expect(convert('say "hi', 'JSON')).toBeNull();
    });

    it('keeps __proto__ as an ordinary key', () => {
      const value = convert('{"__proto__":{"polluted":1}}', 'JSON') as JsonProperty;
      expect(Object.keys(value.value as object)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('error messages', () => {
    it('name the property, the value and the type', () => {
      try {
        convertValue('12.0', 'LONG', 'generated_Time');
        expect.unreachable('12.0 is no long');
      } catch (err) {
        expect(err).toBeInstanceOf(TypeConversionError);
        const message = (err as Error).message;
        expect(message).toContain('generated_Time');
        expect(message).toContain('"12.0"');
        expect(message).toContain('LONG');
      }
    });

    it('name a null value as null and shorten long values', () => {
      expect(() => convertValue(null, 'INTEGER', 'n')).toThrow(/null/);
      const long = 'x'.repeat(500);
      try {
        convertValue(long, 'DOUBLE', 'n');
        expect.unreachable('not a number');
      } catch (err) {
        expect((err as Error).message.length).toBeLessThan(200);
      }
    });
  });
});

describe('JavaNumber and JsonProperty', () => {
  it('JavaNumber prints integral types plainly and floating types as Java doubles', () => {
    expect(new JavaNumber('LONG', 5).toString()).toBe('5');
    expect(new JavaNumber('INTEGER', -3).toString()).toBe('-3');
    expect(new JavaNumber('DOUBLE', 5).toString()).toBe('5.0');
    expect(new JavaNumber('FLOAT', 0.0001).toString()).toBe('1.0E-4');
  });

  it('both serialise to JSON as their value', () => {
    expect(JSON.stringify({ n: new JavaNumber('LONG', 5), j: new JsonProperty({ a: 1 }) })).toBe('{"n":5,"j":{"a":1}}');
  });
});

describe('stringOf', () => {
  it("is Java's toString of a property value", () => {
    expect(stringOf(null)).toBe('');
    expect(stringOf(undefined)).toBe('');
    expect(stringOf('s')).toBe('s');
    expect(stringOf(true)).toBe('true');
    expect(stringOf(new JavaNumber('DOUBLE', 2))).toBe('2.0');
    expect(stringOf(new JsonProperty(['a']))).toBe('["a"]');
    const doc = parseXml('<r><a>1</a><b/></r>');
    expect(stringOf(doc.documentElement)).toBe('<r><a>1</a><b/></r>');
    const children = Array.from(doc.documentElement!.childNodes) as never[];
    expect(stringOf(children)).toBe('<a>1</a><b/>');
  });
});
