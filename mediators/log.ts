import type { Element } from '@xmldom/xmldom';
import type { ConfigNode } from '../engine/config/config-node.js';
import type { Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { stringOf } from '../engine/message/typed-value.js';
import { redactPayload, redactValue } from '../engine/redact.js';
import type { LogLevel } from '../engine/runtime.js';
import { childElements, firstChildElement, serializeXml } from '../engine/xml/dom.js';
import { headerOf } from '../engine/xml/soap.js';

const LEVELS = ['simple', 'headers', 'full', 'custom'] as const;
type Level = (typeof LEVELS)[number];
const CATEGORIES: Record<string, LogLevel> = { INFO: 'info', TRACE: 'trace', DEBUG: 'debug', WARN: 'warn', ERROR: 'error', FATAL: 'fatal' };

interface LogProperty {
  readonly name: string;
  readonly value: string | Element | undefined;
  readonly expression: Expression | undefined;
}

/**
 * `<log>` (reference §2.8): writes one line through the runtime's logger at the category's level, with the
 * message summary of the chosen level and the listed properties, joined by the separator.
 */
class LogMediator implements Mediator {
  readonly name = 'log';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly level: Level,
    private readonly category: LogLevel,
    private readonly separator: string,
    private readonly properties: readonly LogProperty[],
    private readonly logMessageId: boolean,
  ) {}

  mediate(mc: MessageContext): boolean {
    const logger = mc.runtime.logger;
    if (!logger.isEnabled(this.category)) return true;
    const parts: string[] = [];
    if (this.level === 'custom') {
      if (this.logMessageId) parts.push(`MessageID: ${mc.messageId}`);
    } else if (this.level === 'headers') {
      // Synapse's headers level lists the header blocks only, without the simple summary.
      parts.push(...soapHeaders(mc));
    } else {
      parts.push(...this.summary(mc));
    }
    for (const p of this.properties) {
      const value = p.value !== undefined ? stringOf(p.value) : (p.expression!.stringValue(mc) ?? 'null');
      parts.push(`${p.name} = ${redactValue(p.name, value)}`);
    }
    if (this.level === 'full') parts.push(payloadText(mc));
    logger.log(this.category, parts.join(this.separator), { mediator: 'log', messageId: mc.messageId });
    return true;
  }

  private summary(mc: MessageContext): string[] {
    // The order Synapse's LogMediator writes them in (reference §2.8).
    const parts = [`To: ${mc.to ?? ''}`];
    const from = mc.properties.get('__From');
    if (from) parts.push(`From: ${stringOf(from)}`);
    const action = mc.properties.get('__Action');
    if (action) parts.push(`WSAction: ${stringOf(action)}`);
    const soapAction = mc.headers.get('SOAPAction');
    if (soapAction) parts.push(`SOAPAction: ${soapAction}`);
    const replyTo = mc.properties.get('__ReplyTo');
    if (replyTo) parts.push(`ReplyTo: ${stringOf(replyTo)}`);
    parts.push(`MessageID: ${mc.messageId}`, `Direction: ${mc.isResponse ? 'response' : 'request'}`);
    return parts;
  }
}

function soapHeaders(mc: MessageContext): string[] {
  const header = headerOf(mc.payload.envelope(), false);
  return header ? childElements(header).map((h) => `${h.localName} : ${h.textContent ?? ''}`) : [];
}

/** `Payload: <json>` for JSON messages, `Envelope: <xml>` for the others (reference §2.8). */
function payloadText(mc: MessageContext): string {
  // Logs pass through the redaction list: a token response logged at level full shows no token.
  if (mc.payload.format === 'json' || mc.payload.format === 'empty') return `Payload: ${redactPayload(String(mc.payload.serialize('application/json')))}`;
  return `Envelope: ${redactPayload(serializeXml(mc.payload.envelope()))}`;
}

/** `\n` and `\t` written as two characters in the configuration mean newline and tab. */
function unescape(text: string): string {
  return text.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

export const log: MediatorDefinition = {
  name: 'log',
  attributes: {
    level: { values: LEVELS },
    category: {},
    separator: {},
    logMessageID: {},
    logFullPayload: {},
  },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    let level = (node.attr('level') ?? 'simple') as Level;
    if (node.attr('logFullPayload') === 'true') level = 'full';
    const categoryText = (node.attr('category') ?? 'INFO').trim().toUpperCase();
    const category = CATEGORIES[categoryText];
    if (!category) cx.diagnostics.error(node.attrLoc('category'), `category "${node.attr('category')}" is not one of ${Object.keys(CATEGORIES).join(', ')}`);
    if (node.child('message')) {
      cx.diagnostics.error(node.child('message')!.loc, '<log> <message> templates with ${...} (Micro Integrator 4.4 Synapse Expressions) are not supported');
    }
    const properties: LogProperty[] = [];
    for (const p of node.childrenNamed('property')) {
      const name = p.attr('name');
      if (!name) {
        cx.diagnostics.error(p.loc, '<property> in <log> needs a name');
        continue;
      }
      const scope = p.attr('scope');
      if (scope !== undefined && !['default', 'transport', 'axis2', 'axis2-client'].includes(scope)) {
        cx.diagnostics.error(p.attrLoc('scope'), `scope "${scope}" is not one of default, transport, axis2, axis2-client`);
      }
      const value = p.attr('value') ?? (p.element ? (firstChildElement(p.element) ?? undefined) : undefined);
      const expression = value === undefined ? cx.expression(p, 'expression') : undefined;
      if (value === undefined && p.attr('expression') === undefined) {
        cx.diagnostics.error(p.loc, `<property name="${name}"> in <log> needs value="..." or expression="..."`);
      }
      properties.push({ name, value, expression });
    }
    const separator = unescape(node.attr('separator') ?? ', ');
    return new LogMediator(node.loc, level, category ?? 'info', separator, properties, node.attr('logMessageID') === 'true');
  },
};
