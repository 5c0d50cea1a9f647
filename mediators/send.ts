import type { ConfigNode } from '../engine/config/config-node.js';
import { compileEndpointRef, TO_ADDRESS, type EndpointRef } from '../engine/endpoint/endpoint-factory.js';
import { resolveEndpoint, takeResponse } from '../engine/endpoint/exchange.js';
import { MediationError } from '../engine/errors.js';
import { resolveDynamic, type DynamicValue } from '../engine/expression/dynamic-value.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';


/**
 * `<send>` (reference §2.7): a response (or a message marked RESPONSE=true) with no endpoint goes back to the
 * client; otherwise the message goes to the endpoint and the backend's response takes the response path: the
 * `receive` sequence if one is named, else whatever the flow's owner runs for responses (an API's out-flow),
 * else straight back to the client. Always ends the current flow.
 */
class SendMediator implements Mediator {
  readonly name = 'send';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly endpoint: EndpointRef | undefined,
    private readonly receive: DynamicValue | undefined,
  ) {}

  async mediate(mc: MessageContext): Promise<boolean> {
    const toClient = mc.isResponse || String(mc.properties.get('RESPONSE') ?? '') === 'true';
    if (!this.endpoint && toClient) {
      mc.isResponse = true;
      mc.outcome = 'respond';
      return false;
    }
    const endpoint = resolveEndpoint(this.endpoint ?? TO_ADDRESS, mc);
    const response = await endpoint.send(mc, 'address-only');
    takeResponse(mc, response, false);
    mc.isResponse = true;
    mc.outcome = 'respond';
    if (this.receive) {
      const key = resolveDynamic(this.receive, mc);
      const sequence = mc.runtime.artifacts.sequence(key);
      if (!sequence) throw new MediationError(`Sequence named "${key}" cannot be found`);
      await sequence.mediate(mc);
    } else if (mc.onResponse) {
      await mc.onResponse(mc);
    }
    return false;
  }
}

export const send: MediatorDefinition = {
  name: 'send',
  attributes: { receive: {}, buildmessage: {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const endpointNode = node.child('endpoint');
    const receive = cx.dynamic(node, 'receive');
    if (receive && 'literal' in receive) {
      cx.afterLoad(() => {
        if (!cx.artifacts.sequence(receive.literal)) {
          cx.diagnostics.warn(node.attrLoc('receive'), `sequence "${receive.literal}" is not defined in this configuration; it must exist when a response arrives`);
        }
      });
    }
    return new SendMediator(node.loc, endpointNode ? compileEndpointRef(endpointNode, cx) : undefined, receive);
  },
};
