import type { Node } from '@xmldom/xmldom';
import { JSONPath } from 'jsonpath-plus';
import { ExpressionError } from '../errors.js';
import type { MessageContext } from '../message/message-context.js';
import { JsonProperty, stringOf } from '../message/typed-value.js';
import { MemberPath, type PathMatch } from './member-path.js';
import { lookupProperty } from './properties.js';
import { XPathExpression } from './xpath-expression.js';

const PROPERTY_SOURCE = /^\$(ctx|trp|axis2):([^.[]+)(.*)$/;
const SOURCE_SCOPE: Record<string, 'default' | 'transport' | 'axis2'> = { ctx: 'default', trp: 'transport', axis2: 'axis2' };
const NOT_FOUND: PathMatch = { found: false, value: undefined };

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
  /** The path read by property lookups when it has only member and index steps; jsonpath-plus otherwise. */
  private readonly members: MemberPath | undefined;
  /** `json-eval($)` of the payload, whose text the payload may already hold. */
  private readonly wholePayload: boolean;

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
    const root = p === '$' || p === '$.';
    this.members = !root && this.dynamicParts.length === 0 && isDefinite(p) ? MemberPath.compile(p) : undefined;
    this.path = p;
    this.wholePayload = root && !this.propertySource && !this.length;
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
  values(mc: MessageContext): PathMatch {
    const result = this.select(mc);
    if (!this.length || !result.found) return result;
    const { value } = result;
    if (Array.isArray(value)) return { found: true, value: value.length };
    if (value !== null && typeof value === 'object') return { found: true, value: Object.keys(value).length };
    return NOT_FOUND;
  }

  private select(mc: MessageContext): PathMatch {
    const json = this.input(mc);
    if (json === undefined) return NOT_FOUND;
    // jsonpath-plus takes a falsy root for no input at all, so that case stays with it.
    if (this.members && json) return this.members.select(json);
    const path = this.resolvePath(mc);
    if (path === '$' || path === '$.') return { found: true, value: json };
    let matches: unknown[];
    try {
      matches = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
    } catch {
      return NOT_FOUND;
    }
    // Judged on the substituted path: the `:` of `[{$ctx:i}]` is no slice, the `*` a property may hold is a wildcard.
    if (isDefinite(path)) return matches.length === 0 ? NOT_FOUND : { found: true, value: matches[0] };
    return { found: true, value: matches };
  }

  stringValue(mc: MessageContext): string {
    // `$` is the body as it stands, read whole as Synapse reads it (Payload.jsonText).
    if (this.wholePayload) return mc.payload.jsonText();
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
