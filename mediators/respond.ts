import type { ConfigNode } from '../engine/config/config-node.js';
import type { Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';

/** `<respond/>` (reference §2.10): sends the current message back to the client and ends the flow. */
class RespondMediator implements Mediator {
  readonly name = 'respond';
  constructor(readonly loc: ConfigNode['loc']) {}
  mediate(mc: MessageContext): boolean {
    mc.to = null;
    mc.isResponse = true;
    mc.outcome = 'respond';
    return false;
  }
}

export const respond: MediatorDefinition = {
  name: 'respond',
  attributes: {},
  compile: (node) => new RespondMediator(node.loc),
};
