import type { ConfigNode } from '../../engine/config/config-node.js';
import { MediationError } from '../../engine/errors.js';
import { runMediators } from '../../engine/interpreter.js';
import type { CompileContext, Mediator } from '../../engine/mediator.js';
import type { MessageContext } from '../../engine/message/message-context.js';

/** A branch of filter/switch: its own mediators, or a named sequence given by `sequence="..."`. */
export type Branch = { readonly mediators: readonly Mediator[] } | { readonly sequenceKey: string };

export function compileBranch(node: ConfigNode, cx: CompileContext): Branch {
  const key = node.attr('sequence');
  if (key !== undefined) {
    cx.afterLoad(() => {
      if (!cx.artifacts.sequence(key)) {
        cx.diagnostics.warn(node.attrLoc('sequence'), `sequence "${key}" is not defined in this configuration; it must exist when a message arrives`);
      }
    });
    return { sequenceKey: key };
  }
  return { mediators: cx.mediators(node.children) };
}

export function runBranch(branch: Branch, mc: MessageContext): boolean | Promise<boolean> {
  if ('mediators' in branch) return runMediators(branch.mediators, mc);
  const target = mc.runtime.artifacts.sequence(branch.sequenceKey);
  if (!target) throw new MediationError(`Sequence named "${branch.sequenceKey}" cannot be found`);
  return target.mediate(mc);
}
