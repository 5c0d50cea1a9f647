import type { ConfigNode } from './config/config-node.js';
import type { SourceLocation } from './config/diagnostics.js';
import { runMediators } from './interpreter.js';
import type { CompileContext, Mediator } from './mediator.js';
import type { FaultHandler, MessageContext } from './message/message-context.js';

/**
 * A sequence: a named or anonymous mediator list, with an optional `onError` handler that is pushed on the
 * fault stack while the sequence runs (reference §1.2).
 */
export class Sequence implements Mediator, FaultHandler {
  readonly name = 'sequence';

  constructor(
    /** The sequence's own name; undefined for an anonymous (inline) sequence. */
    readonly sequenceName: string | undefined,
    readonly mediators: readonly Mediator[],
    readonly onError: string | undefined,
    readonly loc: SourceLocation,
  ) {}

  async mediate(mc: MessageContext): Promise<boolean> {
    let pushed: FaultHandler | undefined;
    if (this.onError) {
      pushed = mc.runtime.artifacts.sequence(this.onError);
      if (pushed) mc.faultStack.push(pushed);
      else mc.runtime.logger.log('warn', `sequence ${this.sequenceName ?? '(anonymous)'}: its onError sequence "${this.onError}" does not exist`);
    }
    const ok = await runMediators(this.mediators, mc);
    if (ok && pushed && mc.faultStack[mc.faultStack.length - 1] === pushed) mc.faultStack.pop();
    return ok;
  }
}

/** Compiles a `<sequence>` body (named definition or inline anonymous sequence). */
export function compileSequence(node: ConfigNode, cx: CompileContext, name: string | undefined): Sequence {
  const onError = node.attr('onError');
  if (onError) {
    cx.afterLoad(() => {
      if (!cx.artifacts.sequence(onError)) {
        cx.diagnostics.warn(node.attrLoc('onError'), `onError sequence "${onError}" is not defined in this configuration; it must exist when a message arrives`);
      }
    });
  }
  return new Sequence(name, cx.mediators(node.children), onError, node.loc);
}
