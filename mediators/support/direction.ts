import type { ConfigNode } from '../../engine/config/config-node.js';
import { runMediators } from '../../engine/interpreter.js';
import type { Mediator, MediatorDefinition } from '../../engine/mediator.js';
import type { MessageContext } from '../../engine/message/message-context.js';

/**
 * The old direction filters `<in>` and `<out>`: their children run only while the message is a request (in)
 * or a response (out); otherwise they let the flow go on.
 */
export function directionFilter(name: 'in' | 'out', whenResponse: boolean): MediatorDefinition {
  class DirectionMediator implements Mediator {
    readonly name = name;
    constructor(
      readonly loc: ConfigNode['loc'],
      private readonly children: readonly Mediator[],
    ) {}
    mediate(mc: MessageContext): boolean | Promise<boolean> {
      const runs = mc.isResponse === whenResponse;
      mc.tracer?.branch(runs ? 'runs' : 'skipped');
      return runs ? runMediators(this.children, mc) : true;
    }
  }
  return {
    name,
    attributes: {},
    compile: (node, cx) => new DirectionMediator(node.loc, cx.mediators(node.children)),
  };
}
