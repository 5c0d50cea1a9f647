import { createHmac } from 'node:crypto';
import { ExpressionError } from '../errors.js';
import type { MessageContext } from '../message/message-context.js';
import { isElement, JavaNumber, JsonProperty } from '../message/typed-value.js';
import { defaultJavaDate, formatJavaDate } from './java-date-format.js';
import { GET_PROPERTY_SCOPES, lookupProperty } from './properties.js';
import { rawNodeSet, xpath, type XPathContextLike, type XPathFunction, type XValue } from './xpath-lib.js';

/** The message an evaluation is about; the engine puts it on the XPath context. */
export function messageOf(c: XPathContextLike): MessageContext {
  return c['mc'] as MessageContext;
}

/**
 * A raw property value as an XPath value. Strings, booleans and elements map directly; typed numbers become
 * their Java text, which XPath arithmetic reads as a number (Jaxen's NaN is not reproduced on purpose, see
 * docs/compatibility.md); null becomes an empty node-set that remembers it was null.
 */
export function toXValue(value: unknown): XValue {
  if (value === null || value === undefined) return rawNodeSet(null);
  if (typeof value === 'string') return new xpath.XString(value);
  if (typeof value === 'boolean') return new xpath.XBoolean(value);
  if (typeof value === 'number') return new xpath.XString(String(value));
  if (value instanceof JavaNumber) {
    // Java text for the string value, but the number itself in arithmetic: `1.7E12` or `NaN` is no XPath number.
    const text = new xpath.XString(value.toString());
    (text as unknown as { number(): XValue }).number = () => new xpath.XNumber(value.value);
    return text;
  }
  if (value instanceof JsonProperty) return new xpath.XString(value.toString());
  if (isElement(value)) return rawNodeSet(value, [value]);
  if (Array.isArray(value) && value.every(isElement)) return rawNodeSet(value, value);
  return new xpath.XString(String(value));
}

const CHARSETS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'utf-16le': 'utf16le',
};

function encodingOf(charset: string | undefined): BufferEncoding {
  if (charset === undefined) return 'utf8';
  const enc = CHARSETS[charset.toLowerCase()];
  if (!enc) throw new ExpressionError(`unsupported charset "${charset}"`);
  return enc;
}

/** Function bodies with their arguments evaluated to strings; `arity` is [min, max]. */
export interface StringFunction {
  readonly arity: readonly [number, number];
  readonly call: (mc: MessageContext, args: string[]) => XValue;
}

function getProperty(mc: MessageContext, args: string[]): XValue {
  if (args.length === 0) return new xpath.XString('');
  let scope = 'default';
  let name = args[0]!;
  let dateFormat: string | undefined;
  if (args.length === 2) {
    if (GET_PROPERTY_SCOPES.has(args[0]!)) [scope, name] = [args[0]!, args[1]!];
    else dateFormat = args[1];
  } else if (args.length === 3) {
    [scope, name, dateFormat] = [args[0]!, args[1]!, args[2]];
    if (!GET_PROPERTY_SCOPES.has(scope)) return new xpath.XString('');
  }
  if (name === 'SYSTEM_TIME') return new xpath.XString(String(mc.runtime.now()));
  if (name === 'SYSTEM_DATE') {
    const now = new Date(mc.runtime.now());
    return new xpath.XString(dateFormat ? formatJavaDate(now, dateFormat) : defaultJavaDate(now));
  }
  return toXValue(lookupProperty(mc, scope, name));
}

/** Synapse's URIUtil.encodePathQuery: characters legal in a path and query stay, others are %-encoded bytes. */
function encodePathQuery(text: string, encoding: BufferEncoding): string {
  let out = '';
  for (const b of Buffer.from(text, encoding)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && PATH_QUERY_SAFE.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const PATH_QUERY_SAFE = /[A-Za-z0-9\-_.!~*'();/?:@&=+$,]/;

const HMAC_ALGORITHMS: Record<string, string> = { hmacsha1: 'sha1', hmacsha256: 'sha256', hmacsha384: 'sha384', hmacsha512: 'sha512', hmacmd5: 'md5' };

/** Synapse's extension functions, matched by local name whatever their prefix (reference §3.2.4, §3.3). */
export const SYNAPSE_FUNCTIONS: Record<string, StringFunction> = {
  'get-property': { arity: [0, 3], call: getProperty },
  base64Encode: {
    arity: [1, 2],
    call: (_mc, [text, charset]) => new xpath.XString(text ? Buffer.from(text, encodingOf(charset)).toString('base64') : ''),
  },
  base64Decode: {
    arity: [1, 2],
    call: (_mc, [text, charset]) => new xpath.XString(text ? Buffer.from(text, 'base64').toString(encodingOf(charset)).trim() : ''),
  },
  'url-encode': {
    arity: [1, 2],
    call: (_mc, [text, charset]) => new xpath.XString(encodePathQuery(text ?? '', encodingOf(charset))),
  },
  'hmac-generate': {
    arity: [2, 3],
    call: (_mc, [payload, secret, algorithm]) => {
      const alg = HMAC_ALGORITHMS[(algorithm ?? 'HmacSHA1').toLowerCase()];
      if (!alg) throw new ExpressionError(`unsupported HMAC algorithm "${algorithm}"`);
      return new xpath.XString(createHmac(alg, secret!).update(payload!).digest('hex'));
    },
  },
};

/** Jaxen's non-standard functions in the null namespace (reference §3.2.4). */
export const JAXEN_FUNCTIONS: Record<string, StringFunction> = {
  'upper-case': { arity: [1, 1], call: (_mc, [s]) => new xpath.XString(s!.toUpperCase()) },
  'lower-case': { arity: [1, 1], call: (_mc, [s]) => new xpath.XString(s!.toLowerCase()) },
  'ends-with': { arity: [2, 2], call: (_mc, [s, suffix]) => new xpath.XBoolean(s!.endsWith(suffix!)) },
};

/** Functions Synapse has but Mediate refuses when a sequence loads, with the reason. */
export const UNSUPPORTED_FUNCTIONS: Record<string, string> = {
  encrypt: 'encrypt() needs a Synapse secure vault, which Mediate does not have',
  decrypt: 'decrypt() needs a Synapse secure vault, which Mediate does not have',
};

/** Wraps a StringFunction in the engine's calling convention (context, then unevaluated arguments). */
export function asXPathFunction(name: string, f: StringFunction): XPathFunction {
  return (c, ...args) => {
    if (args.length < f.arity[0] || args.length > f.arity[1]) {
      throw new ExpressionError(`${name}() takes ${f.arity[0]} to ${f.arity[1]} arguments, not ${args.length}`);
    }
    return f.call(messageOf(c), args.map((a) => a.evaluate(c).stringValue()));
  };
}
