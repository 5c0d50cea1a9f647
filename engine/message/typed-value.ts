import type { Element } from '@xmldom/xmldom';
import { TypeConversionError } from '../errors.js';
import { serializeXml } from '../xml/dom.js';
import { parseXml } from '../xml/dom.js';
import { javaDoubleToString } from '../expression/java-number.js';

/** The property mediator's `type` values (reference §2.1). */
export const PROPERTY_TYPES = ['STRING', 'INTEGER', 'LONG', 'DOUBLE', 'FLOAT', 'BOOLEAN', 'SHORT', 'OM', 'JSON'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

type NumericType = 'INTEGER' | 'LONG' | 'SHORT' | 'DOUBLE' | 'FLOAT';

/**
 * A number stored by a typed property. It remembers its Java type so that it prints the way Synapse prints it
 * (`5` for LONG, `5.0` for DOUBLE), and in XPath it is a number, not Jaxen's NaN (docs/compatibility.md).
 */
export class JavaNumber {
  constructor(
    readonly type: NumericType,
    readonly value: number,
  ) {}
  toString(): string {
    return this.type === 'DOUBLE' || this.type === 'FLOAT' ? javaDoubleToString(this.value) : String(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A JSON value stored by a `type="JSON"` property; its string form is its JSON text. */
export class JsonProperty {
  constructor(readonly value: unknown) {}
  toString(): string {
    return JSON.stringify(this.value);
  }
  toJSON(): unknown {
    return this.value;
  }
}

/** What a property may hold: Synapse's String, Long, Boolean, OMElement, JSON element, ... */
export type PropertyValue = string | boolean | JavaNumber | JsonProperty | Element | Element[] | object;

/** Synapse's `toString()` of a property value, as expressions and the log mediator see it. */
export function stringOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (isElement(value)) return serializeXml(value);
  if (Array.isArray(value)) return value.map(stringOf).join('');
  return String(value);
}

export function isElement(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && (value as { nodeType?: number }).nodeType === 1;
}

const INTEGER_LIMITS: Record<'INTEGER' | 'SHORT' | 'LONG', [bigint, bigint]> = {
  SHORT: [-32768n, 32767n],
  INTEGER: [-2147483648n, 2147483647n],
  LONG: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * Converts a string to `type` with Java's rules (reference §2.1): LONG is a strict integer parse (so `12.0`
 * and the empty string fail), INTEGER and SHORT truncate a decimal, BOOLEAN is true only for true/yes/1.
 * A failure names the property and the value.
 */
export function convertValue(text: string | null, type: PropertyType, propertyName: string): PropertyValue | null {
  switch (type) {
    case 'STRING':
      return text;
    case 'BOOLEAN':
      // Axis2 JavaUtils.isTrueExplicitly compares the text as it is: " true" is false.
      return text !== null && /^(true|yes|1)$/i.test(text);
    case 'OM':
      return text === null ? null : parseOm(text, propertyName);
    case 'JSON':
      return text === null ? null : parseJsonProperty(text);
    case 'DOUBLE':
    case 'FLOAT': {
      const n = text === null ? NaN : parseJavaDouble(text);
      if (Number.isNaN(n) && text?.trim() !== 'NaN') throw conversionError(text, type, propertyName);
      return new JavaNumber(type, type === 'FLOAT' ? Math.fround(n) : n);
    }
    case 'INTEGER':
    case 'SHORT':
    case 'LONG': {
      const trimmed = text ?? '';
      let digits = trimmed;
      if (type !== 'LONG' && trimmed.includes('.')) {
        const n = parseJavaDouble(trimmed);
        if (Number.isNaN(n)) throw conversionError(text, type, propertyName);
        digits = Math.trunc(n).toString();
      }
      if (!/^[+-]?\d+$/.test(digits)) throw conversionError(text, type, propertyName);
      const big = BigInt(digits);
      const [min, max] = INTEGER_LIMITS[type];
      if (big < min || big > max) throw conversionError(text, type, propertyName);
      return new JavaNumber(type, Number(big));
    }
  }
}

function parseJavaDouble(text: string): number {
  const t = text.trim();
  if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/.test(t)) return NaN;
  return Number(t.replace(/[dDfF]$/, ''));
}

function parseOm(text: string, propertyName: string): Element {
  try {
    return parseXml(text).documentElement!;
  } catch (err) {
    throw new TypeConversionError(
      `property "${propertyName}": the value is not well-formed XML, so it cannot be converted to OM`,
      undefined,
      { cause: err },
    );
  }
}

/** Synapse retries an invalid JSON text as a quoted string, so a bare word becomes a JSON string. */
function parseJsonProperty(text: string): JsonProperty | null {
  try {
    return new JsonProperty(JSON.parse(text));
  } catch {
    try {
      return new JsonProperty(JSON.parse(`"${text}"`));
    } catch {
      return null;
    }
  }
}

function conversionError(text: string | null, type: PropertyType, propertyName: string): TypeConversionError {
  const shown = text === null ? 'null' : JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text);
  return new TypeConversionError(`property "${propertyName}": the value ${shown} cannot be converted to ${type}`);
}
