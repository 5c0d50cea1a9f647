import type { ConfigNode } from '../engine/config/config-node.js';
import type { Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';

/** `<drop/>` (reference §2.11): ends the flow; nothing is sent (a request flow answers 202 with no body). */
class DropMediator implements Mediator {
  readonly name = 'drop';
  constructor(readonly loc: ConfigNode['loc']) {}
  mediate(mc: MessageContext): boolean {
    mc.to = null;
    if (mc.outcome === 'continue' || mc.outcome === 'fault') mc.outcome = 'drop';
    return false;
  }
}

export const drop: MediatorDefinition = {
  name: 'drop',
  attributes: {},
  compile: (node) => new DropMediator(node.loc),
};
