import type { Node } from '@xmldom/xmldom';
import { ExpressionError } from '../errors.js';
import type { MessageContext } from '../message/message-context.js';
import { JsonPathExpression } from './jsonpath-expression.js';
import { XPathExpression } from './xpath-expression.js';

/**
 * A compiled expression attribute (reference §3.1): XPath 1.0, or `json-eval(...)` JSONPath. Compiled when
 * the sequence loads; evaluation never parses the expression again.
 */
export interface Expression {
  readonly kind: 'xpath' | 'jsonpath';
  readonly source: string;
  /** Synapse's string value; null when the expression stands for a Java null (a property that is not set). */
  stringValue(mc: MessageContext): string | null;
  /** The condition value `filter xpath="..."` uses for this kind of expression (reference §2.4). */
  booleanValue(mc: MessageContext): boolean;
  /** XML nodes the expression selects (empty for JSONPath). */
  nodes(mc: MessageContext): Node[];
  /** The raw value for property mediators: a property's own object when the expression is a plain lookup. */
  rawValue(mc: MessageContext): unknown;
}

/**
 * Compiles an expression attribute. `namespaces` are the prefixes declared where the attribute is written.
 * Throws ExpressionError with a message fit for `file:line:col: message`.
 */
export function compileExpression(source: string, namespaces: ReadonlyMap<string, string>): Expression {
  const text = source.trim();
  if (text === '') throw new ExpressionError('the expression is empty');
  if (text.startsWith('json-eval(')) {
    if (!text.endsWith(')')) throw new ExpressionError(`json-eval( in "${source}" is not closed`);
    return new JsonPathExpression(text.slice('json-eval('.length, -1).trim(), namespaces);
  }
  if (text.startsWith('${') && text.endsWith('}')) {
    throw new ExpressionError(`Synapse Expressions (\${...}, Micro Integrator 4.4) are not supported: "${source}"`);
  }
  return new XPathExpression(text, namespaces);
}

/**
 * Stands in for an expression that failed to compile, so that a mediator can still be built while the load
 * collects every error; the load is refused, so it never runs.
 */
export const UNCOMPILED: Expression = {
  kind: 'xpath',
  source: '',
  stringValue: () => null,
  booleanValue: () => false,
  nodes: () => [],
  rawValue: () => null,
};
