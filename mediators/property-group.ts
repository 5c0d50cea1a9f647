import type { ConfigNode } from '../engine/config/config-node.js';
import { runMediators } from '../engine/interpreter.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';

/** `<propertyGroup>` (reference §2.2): its `<property>` children in order; always continues. */
class PropertyGroupMediator implements Mediator {
  readonly name = 'propertyGroup';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly properties: readonly Mediator[],
  ) {}
  async mediate(mc: MessageContext): Promise<boolean> {
    await runMediators(this.properties, mc);
    return true;
  }
}

export const propertyGroup: MediatorDefinition = {
  name: 'propertyGroup',
  attributes: {},
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    // Synapse builds only the <property> children and ignores anything else.
    return new PropertyGroupMediator(node.loc, cx.mediators(node.childrenNamed('property')));
  },
};
