import type { Node } from '@xmldom/xmldom';
import { JSONPath } from 'jsonpath-plus';
import { ExpressionError } from '../errors.js';
import type { MessageContext } from '../message/message-context.js';
import { JsonProperty, stringOf } from '../message/typed-value.js';
import { lookupProperty } from './properties.js';
import { XPathExpression } from './xpath-expression.js';

const PROPERTY_SOURCE = /^\$(ctx|trp|axis2):([^.[]+)(.*)$/;
const SOURCE_SCOPE: Record<string, 'default' | 'transport' | 'axis2'> = { ctx: 'default', trp: 'transport', axis2: 'axis2' };

/**
 * `json-eval(path)`: JSONPath over the JSON payload (XML payloads converted first), or over the JSON text of a
 * property with `$ctx:name.rest` (reference §3.5). Results print as Synapse prints them: scalars as their
 * text, objects and arrays as compact JSON, a missing path as "".
 */
export class JsonPathExpression {
  readonly kind = 'jsonpath';
  readonly source: string;
  private readonly path: string;
  private readonly propertySource: { scope: 'default' | 'transport' | 'axis2'; name: string } | undefined;
  /** `{xpath}` segments inside the path, substituted per message (`$.store.{$ctx:field}`). */
  private readonly dynamicParts: Array<{ text: string; expression: XPathExpression }>;
  /** Jayway's `.length()` (alias `.size()`) ending the path, which jsonpath-plus does not know. */
  private readonly length: boolean;

  constructor(path: string, namespaces: ReadonlyMap<string, string>) {
    this.source = `json-eval(${path})`;
    let p = path.endsWith('.') && path !== '$.' ? path.slice(0, -1) : path;
    const m = PROPERTY_SOURCE.exec(p);
    if (m) {
      this.propertySource = { scope: SOURCE_SCOPE[m[1]!]!, name: m[2]! };
      p = `$${m[3]}`;
    }
    // Jayway reads a path without a root as relative to the root: `a.b` is `$.a.b`.
    if (!p.startsWith('$')) p = p.startsWith('[') ? `$${p}` : `$.${p}`;
    const lengthCall = /\.(length|size)\(\)$/.exec(p);
    this.length = lengthCall !== null;
    if (lengthCall) p = p.slice(0, lengthCall.index) || '$';
    this.dynamicParts = [...p.matchAll(/\{([^{}]+)\}/g)].map((d) => ({ text: d[0], expression: new XPathExpression(d[1]!, namespaces) }));
    if (this.dynamicParts.length === 0) {
      try {
        JSONPath.toPathArray(p);
      } catch (err) {
        throw new ExpressionError(`invalid JSONPath "${path}": ${(err as Error).message}`);
      }
    }
    this.path = p;
  }

  private resolvePath(mc: MessageContext): string {
    let p = this.path;
    for (const part of this.dynamicParts) p = p.replace(part.text, part.expression.stringValue(mc) ?? '');
    return p;
  }

  private input(mc: MessageContext): unknown {
    if (!this.propertySource) return mc.payload.json();
    const raw = lookupProperty(mc, this.propertySource.scope, this.propertySource.name);
    if (raw === null || raw === undefined) return undefined;
    if (raw instanceof JsonProperty) return raw.value;
    try {
      return JSON.parse(stringOf(raw));
    } catch {
      return undefined;
    }
  }

  /** The matched values; `found` is false when the path matched nothing. */
  values(mc: MessageContext): { found: boolean; value: unknown } {
    const result = this.select(mc);
    if (!this.length || !result.found) return result;
    const { value } = result;
    if (Array.isArray(value)) return { found: true, value: value.length };
    if (value !== null && typeof value === 'object') return { found: true, value: Object.keys(value).length };
    return { found: false, value: undefined };
  }

  private select(mc: MessageContext): { found: boolean; value: unknown } {
    const json = this.input(mc);
    if (json === undefined) return { found: false, value: undefined };
    const path = this.resolvePath(mc);
    if (path === '$' || path === '$.') return { found: true, value: json };
    let matches: unknown[];
    try {
      matches = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
    } catch {
      return { found: false, value: undefined };
    }
    // Judged on the substituted path: the `:` of `[{$ctx:i}]` is no slice, the `*` a property may hold is a wildcard.
    if (isDefinite(path)) return matches.length === 0 ? { found: false, value: undefined } : { found: true, value: matches[0] };
    return { found: true, value: matches };
  }

  stringValue(mc: MessageContext): string {
    const { found, value } = this.values(mc);
    if (!found) return '';
    if (value === null) return 'null';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  booleanValue(mc: MessageContext): boolean {
    return this.stringValue(mc).toLowerCase() === 'true';
  }

  nodes(): Node[] {
    return [];
  }

  rawValue(mc: MessageContext): unknown {
    return this.stringValue(mc);
  }
}

/** A definite path yields one value; others (wildcards, filters, deep scan, unions, slices) yield a list. */
function isDefinite(path: string): boolean {
  return !/\*|\.\.|\?\(|\[[^\]]*[,:][^\]]*\]/.test(path);
}
