import type { Element, Node } from '@xmldom/xmldom';
import type { ConfigNode } from '../engine/config/config-node.js';
import { MediationError } from '../engine/errors.js';
import { resolveDynamic, type DynamicValue } from '../engine/expression/dynamic-value.js';
import type { Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import { jsonToXml, xmlToJson } from '../engine/message/json-xml.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { stringOf } from '../engine/message/typed-value.js';
import { childElements, newDocument, parseXml, serializeXml, TEXT_NODE } from '../engine/xml/dom.js';

type MediaType = 'xml' | 'json' | 'text';

interface Arg {
  readonly literal: string | undefined;
  readonly expression: Expression | undefined;
  /** literal="true": the value is a plain string, never XML or JSON. */
  readonly forceString: boolean;
}

type Format = { readonly inline: string } | { readonly key: DynamicValue };

const PLACEHOLDER = /\$(\d+)/g;
const XML_MESSAGE_TYPES = new Set(['application/xml', 'text/xml', 'application/soap+xml']);

/**
 * `<payloadFactory>` (reference §2.9): fills `$n` in a format with its arguments, converting each argument to
 * the media type (XML⇄JSON, escaping), then makes the result the payload and sets the content type.
 */
class PayloadFactoryMediator implements Mediator {
  readonly name = 'payloadFactory';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly mediaType: MediaType,
    private readonly format: Format,
    private readonly args: readonly Arg[],
  ) {}

  mediate(mc: MessageContext): boolean {
    const template = 'inline' in this.format ? this.format.inline : this.formatByKey(mc, resolveDynamic(this.format.key, mc));
    const values = this.args.map((arg) => this.argumentText(mc, arg));
    const text = template.replace(PLACEHOLDER, (whole, index: string) => {
      const value = values[Number(index) - 1];
      if (value === undefined) {
        mc.runtime.logger.log('error', `payloadFactory at ${this.loc.file}:${this.loc.line}: the format uses ${whole} but there are only ${values.length} arguments`);
        return whole;
      }
      return value;
    });
    this.setPayload(mc, text);
    mc.axis2.delete('NO_ENTITY_BODY');
    return true;
  }

  /** Synapse removes the indentation of an XML format (local entry or registry resource); text is used as it is. */
  private formatByKey(mc: MessageContext, key: string): string {
    const entry = mc.runtime.artifacts.localEntry(key);
    if (entry !== undefined) return typeof entry === 'string' ? entry : serializeXml(withoutBlankText(entry.cloneNode(true) as Element));
    const text = mc.runtime.registry?.readText(key);
    if (text === null || text === undefined) throw new MediationError(`Key ${key} not found`);
    if (!looksLikeXml(text)) return text;
    return serializeXml(withoutBlankText(parseXml(text.trim()).documentElement!));
  }

  /** One argument as text fit for insertion into a format of this media type. */
  private argumentText(mc: MessageContext, arg: Arg): string {
    const fromJsonPath = arg.expression?.kind === 'jsonpath';
    // Synapse XML-escapes a literal value that is not XML whatever the media type (reference §2.9 step 2).
    const literal = arg.literal === undefined || looksLikeXml(arg.literal) ? arg.literal : escapeXml(arg.literal);
    const value = stringOf(literal ?? arg.expression?.stringValue(mc) ?? '');
    if (this.mediaType === 'text') return value;
    const jsonLike = /^\s*[{[]/.test(value);
    if (this.mediaType === 'xml') {
      if (literal !== undefined) return literal;
      // Only a JSONPath result is JSON to convert; an XPath string that looks like JSON is text (reference §2.9).
      if (!arg.forceString && jsonLike && fromJsonPath) return jsonAsXml(value) ?? escapeXml(value);
      if (!arg.forceString && looksLikeXml(value)) return value;
      return escapeXml(value);
    }
    if (!arg.forceString && arg.literal === undefined && !fromJsonPath && looksLikeXml(value)) return xmlAsJsonMembers(value);
    if (!arg.forceString && jsonLike) return value;
    if (mc.properties.get('QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON') === 'true' && !/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(value)) {
      return JSON.stringify(value);
    }
    return escapeJson(value);
  }

  private setPayload(mc: MessageContext, text: string): void {
    if (this.mediaType === 'json') {
      if (text.trim() === '') mc.payload.setJson(undefined);
      else {
        try {
          mc.payload.setJsonText(text);
        } catch (err) {
          throw new MediationError(`payloadFactory produced invalid JSON: ${(err as Error).message}`);
        }
      }
      mc.setMessageType('application/json');
      return;
    }
    if (this.mediaType === 'text') {
      mc.payload.setText(text);
      mc.setMessageType('text/plain');
      return;
    }
    let root: Element;
    try {
      root = parseXml(`<pfPadding>${text}</pfPadding>`).documentElement!;
    } catch (err) {
      throw new MediationError(`Error creating SOAP Envelope from source ${text}: ${(err as Error).message}`);
    }
    mc.payload.setXml(childElements(root)[0] ?? null);
    const current = (mc.messageType ?? '').toLowerCase();
    if (!XML_MESSAGE_TYPES.has(current)) mc.setMessageType('application/xml');
  }
}

/** Synapse's "is it XML?" test: trimmed, ending in `>`, at least 4 characters, and well-formed. */
function looksLikeXml(value: string): boolean {
  const t = value.trim();
  if (t.length < 4 || !t.startsWith('<') || !t.endsWith('>')) return false;
  try {
    parseXml(t);
    return true;
  } catch {
    return false;
  }
}

function jsonAsXml(value: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const infoset = jsonToXml(json, newDocument());
  // The <jsonObject> wrapper is removed: its members are what goes into the format.
  return [...nodesOf(infoset)].map((n) => serializeXml(n)).join('');
}

function* nodesOf(el: Element): Iterable<Node> {
  for (let n = el.firstChild; n; n = n.nextSibling) yield n;
}

/** An XML argument in a JSON format: its JSON members without the enclosing braces (`<a>1</a>` → `"a":1`). */
function xmlAsJsonMembers(value: string): string {
  const json = JSON.stringify(xmlToJson(parseXml(value.trim()).documentElement!));
  return json.startsWith('{') && json.endsWith('}') ? json.slice(1, -1) : json;
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Escapes for insertion between quotes the author wrote in the format. */
function escapeJson(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export const payloadFactory: MediatorDefinition = {
  name: 'payloadFactory',
  attributes: { 'media-type': { values: ['xml', 'json', 'text'] }, 'template-type': {}, escapeXmlChars: {}, format: {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const mediaType = (node.attr('media-type') ?? 'xml') as MediaType;
    const templateType = (node.attr('template-type') ?? 'default').toLowerCase();
    if (templateType === 'freemarker') {
      cx.diagnostics.error(node.attrLoc('template-type'), 'template-type="freemarker" is not supported; use the default template type with $n arguments');
    }
    const format = compileFormat(node, mediaType, cx);
    const args: Arg[] = [];
    for (const arg of node.child('args')?.childrenNamed('arg') ?? []) {
      const literal = arg.attr('value');
      let expression: Expression | undefined;
      if (literal === undefined) {
        const text = arg.attr('expression');
        if (text === undefined || text.trim() === '') {
          cx.diagnostics.error(arg.loc, '<arg> needs value="..." or a non-empty expression="..."');
          continue;
        }
        const jsonEvaluator = arg.attr('evaluator') === 'json';
        const source = jsonEvaluator && !text.trim().startsWith('json-eval(') ? `json-eval(${text})` : text;
        expression = cx.expression(arg, 'expression', source);
      }
      args.push({ literal, expression, forceString: arg.attr('literal') === 'true' });
    }
    return new PayloadFactoryMediator(node.loc, mediaType, format, args);
  },
};

function compileFormat(node: ConfigNode, mediaType: MediaType, cx: CompileContext): Format {
  const formatNode = node.child('format');
  let text: string | undefined;
  if (formatNode) {
    const key = cx.dynamic(formatNode, 'key');
    if (key) return { key };
    text = mediaType === 'xml' && formatNode.element ? inlineXml(formatNode.element) : formatNode.text.trim();
  } else text = node.attr('format');
  if (text === undefined) {
    cx.diagnostics.error(node.loc, '<payloadFactory> needs a <format>');
    return { inline: '' };
  }
  if (/\$\{[^}]*\}/.test(text)) {
    cx.diagnostics.error((formatNode ?? node).loc, 'Synapse Expressions (${...}, Micro Integrator 4.4) in payloadFactory formats are not supported');
  }
  return { inline: text };
}

/** The first child element serialised (the format's own namespace context kept), or the text. */
function inlineXml(format: Element): string {
  const first = childElements(format)[0];
  if (first) return serializeXml(withoutBlankText(first.cloneNode(true) as Element));
  return (format.textContent ?? '').trim();
}

/** Whitespace-only text nodes are stripped from the format first, as Synapse does. */
function withoutBlankText(el: Element): Element {
  for (let n = el.firstChild; n; ) {
    const next = n.nextSibling;
    if (n.nodeType === TEXT_NODE && !(n.nodeValue ?? '').trim()) el.removeChild(n);
    else if (n.nodeType === 1) withoutBlankText(n as Element);
    n = next;
  }
  return el;
}
