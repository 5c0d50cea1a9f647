import type { ConfigNode } from '../engine/config/config-node.js';
import type { Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';

/**
 * `<loopback/>` (reference §2.12): turns a request into a response, which then takes the response path (the
 * API's out-flow) instead of going to a backend. In a response flow it only ends the flow.
 */
class LoopbackMediator implements Mediator {
  readonly name = 'loopback';
  constructor(readonly loc: ConfigNode['loc']) {}
  mediate(mc: MessageContext): boolean {
    if (!mc.isResponse) {
      mc.to = null;
      mc.isResponse = true;
      mc.outcome = 'respond';
    }
    return false;
  }
}

export const loopback: MediatorDefinition = {
  name: 'loopback',
  attributes: {},
  compile: (node) => new LoopbackMediator(node.loc),
};
