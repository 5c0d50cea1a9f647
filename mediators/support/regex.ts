import type { ConfigNode } from '../../engine/config/config-node.js';
import type { CompileContext } from '../../engine/mediator.js';

/**
 * Compiles a Java regex attribute for whole-string matching (Java's `matches()`, which filter, switch and
 * property patterns use). Java and JavaScript agree on the syntax these configurations use; a pattern
 * JavaScript cannot compile is reported at the attribute.
 */
export function fullMatchRegex(node: ConfigNode, attribute: string, cx: CompileContext): RegExp | undefined {
  const source = node.attr(attribute);
  if (source === undefined) return undefined;
  try {
    return new RegExp(`^(?:${source})$`, 's');
  } catch (err) {
    cx.diagnostics.error(node.attrLoc(attribute), `${attribute}: invalid regular expression: ${(err as Error).message}`);
    return undefined;
  }
}
