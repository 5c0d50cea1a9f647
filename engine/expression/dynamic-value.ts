import type { MessageContext } from '../message/message-context.js';
import { compileExpression, type Expression } from './expression.js';

/**
 * An attribute that is a literal or, wrapped in braces, an expression evaluated per message (reference §3.1):
 * `key="{get-property('seq')}"`; `{{x}}` is the literal `{x}`.
 */
export type DynamicValue = { readonly literal: string } | { readonly expression: Expression };

export function compileDynamic(text: string, namespaces: ReadonlyMap<string, string>): DynamicValue {
  if (text.startsWith('{{') && text.endsWith('}}')) return { literal: text.slice(1, -1) };
  if (text.length > 1 && text.startsWith('{') && text.endsWith('}')) {
    return { expression: compileExpression(text.slice(1, -1), namespaces) };
  }
  return { literal: text };
}

export function resolveDynamic(value: DynamicValue, mc: MessageContext): string {
  return 'literal' in value ? value.literal : (value.expression.stringValue(mc) ?? '');
}
