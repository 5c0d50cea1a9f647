import type { ConfigNode } from '../engine/config/config-node.js';
import { ErrorCode } from '../engine/error-codes.js';
import { BackendError } from '../engine/endpoint/backend-error.js';
import { compileEndpointRef, TO_ADDRESS, type EndpointRef } from '../engine/endpoint/endpoint-factory.js';
import { resolveEndpoint, takeResponse } from '../engine/endpoint/exchange.js';
import type { Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { HeaderMap } from '../engine/message/headers.js';
import { Axis2, type MessageContext } from '../engine/message/message-context.js';
import { Payload } from '../engine/message/payload.js';
import { stringOf } from '../engine/message/typed-value.js';
import { firstChildElement, serializeXml } from '../engine/xml/dom.js';

type Source =
  | { readonly type: 'body' }
  | { readonly type: 'custom'; readonly expression: Expression }
  | { readonly type: 'property'; readonly name: string }
  | { readonly type: 'inline'; readonly text: string };

interface CallSettings {
  readonly blocking: boolean;
  readonly endpoint: EndpointRef;
  readonly source: Source | undefined;
  readonly sourceContentType: string | undefined;
  readonly targetProperty: string | undefined;
}


/**
 * `<call>` (reference §2.6): sends the message to an endpoint and continues with the response as the current
 * message. Blocking mode keeps the request's transport headers, always appends REST_URL_POSTFIX and turns an
 * HTTP status ≥ 400 into a fault; non-blocking mode takes the response headers and leaves error statuses to
 * the sequence. `<source>`/`<target>` send something other than the body and keep the response in a property.
 */
class CallMediator implements Mediator {
  readonly name = 'call';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly settings: CallSettings,
  ) {}

  async mediate(mc: MessageContext): Promise<boolean> {
    const s = this.settings;
    const endpoint = resolveEndpoint(s.endpoint, mc);
    const original: Saved | undefined = s.source || s.targetProperty ? { payload: mc.payload, axis2: new Map(mc.axis2), headers: mc.headers.clone() } : undefined;
    if (s.source) this.prepareSource(mc, s.source);
    if (mc.properties.get('OUT_ONLY') === 'true' || mc.properties.get('OUT_ONLY') === true) {
      endpoint.send(mc, s.blocking ? 'always' : 'address-only').catch((err: Error) => {
        mc.runtime.logger.log('warn', `out-only call to ${endpoint.name} failed: ${err.message}`);
      });
      // Synapse sends a clone and goes on with the original message, so a <source> must not stay in the body.
      if (original) restore(mc, original);
      return true;
    }
    const response = await endpoint.send(mc, s.blocking ? 'always' : 'address-only');
    if (s.blocking && response.status >= 400 && !nonErrorStatuses(mc).has(response.status)) {
      takeResponse(mc, response, true);
      mc.properties.set('blocking.sender.error', 'true');
      throw new BackendError(`the back end answered HTTP ${response.status} to a blocking call to ${endpoint.name}`, ErrorCode.BLOCKING_SENDER_OPERATION_FAILED, {
        httpStatus: response.status,
      });
    }
    if (s.targetProperty && original) {
      mc.properties.set(s.targetProperty, response.body.toString('utf8'));
      restore(mc, original);
      mc.axis2.set(Axis2.HTTP_SC, response.status);
      return true;
    }
    takeResponse(mc, response, s.blocking && mc.properties.get('BLOCKING_SENDER_PRESERVE_REQ_HEADERS') !== 'false');
    return true;
  }

  private prepareSource(mc: MessageContext, source: Source): void {
    const type = this.settings.sourceContentType;
    let text: string | undefined;
    if (source.type === 'custom') text = source.expression.stringValue(mc) ?? '';
    else if (source.type === 'property') text = stringOf(mc.properties.get(source.name) ?? '');
    else if (source.type === 'inline') text = source.text;
    if (text !== undefined) mc.payload = new Payload(Buffer.from(text, 'utf8'), type ?? mc.messageType, mc.runtime.limits.payload);
    if (type) mc.setMessageType(type);
  }
}

interface Saved {
  readonly payload: Payload;
  readonly axis2: Map<string, unknown>;
  readonly headers: HeaderMap;
}

function restore(mc: MessageContext, saved: Saved): void {
  mc.payload = saved.payload;
  mc.axis2.clear();
  for (const [k, v] of saved.axis2) mc.axis2.set(k, v);
  mc.headers = saved.headers;
}

/** The axis2 property nonErrorHttpStatusCodes: statuses a blocking call accepts as answers, not faults. */
function nonErrorStatuses(mc: MessageContext): Set<number> {
  const text = stringOf(mc.axis2.get('nonErrorHttpStatusCodes') ?? '');
  return new Set(text.split(',').map((s) => Number(s.trim())).filter(Number.isFinite));
}

export const call: MediatorDefinition = {
  name: 'call',
  attributes: { blocking: { values: ['true', 'false'] }, initAxis2ClientOptions: {}, axis2xml: {}, repository: {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const endpointNode = node.child('endpoint');
    const endpoint = endpointNode ? compileEndpointRef(endpointNode, cx) : TO_ADDRESS;
    const sourceNode = node.child('source');
    const targetNode = node.child('target');
    let source: Source | undefined;
    if (sourceNode) source = compileSource(sourceNode, cx);
    let targetProperty: string | undefined;
    if (targetNode) {
      const type = targetNode.attr('type') ?? 'body';
      if (type === 'property') {
        targetProperty = targetNode.text.trim();
        if (!targetProperty) cx.diagnostics.error(targetNode.loc, '<target type="property"> needs the property name as its text');
      } else if (type !== 'body') {
        cx.diagnostics.error(targetNode.attrLoc('type'), `<target type="${type}"> is not supported (body or property)`);
      }
      source ??= { type: 'body' };
    }
    return new CallMediator(node.loc, {
      blocking: node.attr('blocking') === 'true',
      endpoint: endpoint ?? TO_ADDRESS,
      source,
      sourceContentType: sourceNode?.attr('contentType'),
      targetProperty,
    });
  },
};

function compileSource(node: ConfigNode, cx: CompileContext): Source | undefined {
  const type = node.attr('type') ?? 'body';
  const text = node.text.trim();
  switch (type) {
    case 'body':
      return { type: 'body' };
    case 'custom': {
      const expression = cx.expression(node, 'type', text);
      return expression ? { type: 'custom', expression } : undefined;
    }
    case 'property':
      return { type: 'property', name: text };
    case 'inline':
      return { type: 'inline', text: inlineContent(node) };
  }
  cx.diagnostics.error(node.attrLoc('type'), `<source type="${type}"> is not one of body, custom, property, inline`);
  return undefined;
}

/** An inline source's first child element, serialised, or its text. */
function inlineContent(node: ConfigNode): string {
  const first = node.element ? firstChildElement(node.element) : null;
  return first ? serializeXml(first) : node.text.trim();
}
