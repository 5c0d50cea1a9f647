import type { Element } from '@xmldom/xmldom';
import type { ConfigNode } from '../engine/config/config-node.js';
import type { Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import { isHeaderName } from '../engine/message/headers.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { childElements, parseXml } from '../engine/xml/dom.js';
import { headerOf } from '../engine/xml/soap.js';

/** WS-Addressing names the SOAP-scope header mediator accepts without a namespace (reference §2.3). */
const ADDRESSING = new Set(['To', 'From', 'Action', 'FaultTo', 'ReplyTo', 'RelatesTo']);

type Target =
  | { readonly kind: 'transport'; readonly name: string }
  | { readonly kind: 'addressing'; readonly name: string }
  | { readonly kind: 'soap'; readonly namespace: string; readonly qname: string; readonly localName: string }
  | { readonly kind: 'blocks'; readonly blocks: readonly Element[] };

/**
 * `<header>` (reference §2.3): in transport scope it sets or removes an HTTP header; in the default (SOAP)
 * scope it sets WS-Addressing fields or adds/removes SOAP header blocks.
 */
class HeaderMediator implements Mediator {
  readonly name = 'header';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly target: Target,
    private readonly action: 'set' | 'remove',
    private readonly literal: string | undefined,
    private readonly expression: Expression | undefined,
    private readonly asXml: boolean,
  ) {}

  mediate(mc: MessageContext): boolean {
    const t = this.target;
    if (t.kind === 'blocks') {
      const envelope = mc.payload.mutableEnvelope();
      const header = headerOf(envelope, true)!;
      for (const block of t.blocks) header.appendChild(envelope.importNode(block, true));
      return true;
    }
    if (this.action === 'remove') {
      this.remove(mc, t);
      return true;
    }
    const value = this.literal ?? this.expression?.stringValue(mc) ?? '';
    if (t.kind === 'transport') mc.headers.set(t.name, value);
    else if (t.kind === 'addressing') {
      if (t.name === 'To') mc.to = value;
      else mc.properties.set(`__${t.name}`, value);
    } else {
      const envelope = mc.payload.mutableEnvelope();
      const header = headerOf(envelope, true)!;
      const block = envelope.createElementNS(t.namespace, t.qname);
      if (this.asXml) block.appendChild(envelope.importNode(parseXml(value).documentElement!, true));
      else block.appendChild(envelope.createTextNode(value));
      header.appendChild(block);
    }
    return true;
  }

  private remove(mc: MessageContext, t: Exclude<Target, { kind: 'blocks' }>): void {
    if (t.kind === 'transport') mc.headers.delete(t.name);
    else if (t.kind === 'addressing') {
      if (t.name === 'To') mc.to = null;
      else mc.properties.delete(`__${t.name}`);
    } else {
      const header = headerOf(mc.payload.mutableEnvelope(), false);
      if (!header) return;
      for (const block of childElements(header)) {
        if (block.namespaceURI === t.namespace && block.localName === t.localName) header.removeChild(block);
      }
    }
  }
}

export const header: MediatorDefinition = {
  name: 'header',
  attributes: { name: {}, action: {}, scope: { values: ['default', 'transport'] }, value: {}, expression: {}, type: {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const action = node.attr('action') === 'remove' ? 'remove' : 'set';
    const name = node.attr('name');
    if (name === undefined) {
      const blocks = node.element ? childElements(node.element) : [];
      if (blocks.length === 0) cx.diagnostics.error(node.loc, '<header> needs name="..." or SOAP header blocks as children');
      return new HeaderMediator(node.loc, { kind: 'blocks', blocks }, 'set', undefined, undefined, false);
    }
    const target = compileTarget(node, name, cx);
    const literal = node.attr('value');
    const expression = literal === undefined ? cx.expression(node, 'expression') : undefined;
    if (action === 'set' && literal === undefined && node.attr('expression') === undefined) {
      cx.diagnostics.error(node.loc, `<header name="${name}"> needs value="..." or expression="..."`);
    }
    return new HeaderMediator(node.loc, target, action, literal, expression, node.attr('type') === 'OM');
  },
};

function compileTarget(node: ConfigNode, name: string, cx: CompileContext): Exclude<Target, { kind: 'blocks' }> {
  if (node.attr('scope') === 'transport') {
    if (!isHeaderName(name)) cx.diagnostics.error(node.attrLoc('name'), `"${name}" is not a valid HTTP header name`);
    return { kind: 'transport', name };
  }
  if (ADDRESSING.has(name)) return { kind: 'addressing', name };
  const colon = name.indexOf(':');
  const prefix = colon > 0 ? name.slice(0, colon) : undefined;
  const namespace = prefix === undefined ? undefined : node.namespaces.get(prefix);
  if (namespace === undefined) {
    cx.diagnostics.error(
      node.attrLoc('name'),
      `All SOAP headers must be namespace qualified: "${name}" (for an HTTP header add scope="transport")`,
    );
    return { kind: 'soap', namespace: '', qname: name, localName: name };
  }
  return { kind: 'soap', namespace, qname: name, localName: name.slice(colon + 1) };
}
