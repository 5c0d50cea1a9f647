import type { Attr, Document, Element, Node, Text } from '@xmldom/xmldom';
import { JSONPath } from 'jsonpath-plus';
import type { ConfigNode } from '../engine/config/config-node.js';
import { didYouMean } from '../engine/config/suggest.js';
import { MediationError } from '../engine/errors.js';
import { JsonPathExpression } from '../engine/expression/jsonpath-expression.js';
import { stringValueOf, XPathExpression } from '../engine/expression/xpath-expression.js';
import { isNodeSet } from '../engine/expression/xpath-lib.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import { setOwn } from '../engine/message/json-xml.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { isElement, JavaNumber, JsonProperty, stringOf } from '../engine/message/typed-value.js';
import {
  ATTRIBUTE_NODE,
  CDATA_SECTION_NODE,
  ELEMENT_NODE,
  firstChildElement,
  newDocument,
  parseXml,
  removeChildren,
  serializeXml,
  TEXT_NODE,
} from '../engine/xml/dom.js';
import { bodyOf, firstBodyChild, isEnvelope } from '../engine/xml/soap.js';

const SOURCE_TYPES = ['custom', 'envelope', 'body', 'property', 'inline'] as const;
const TARGET_TYPES = ['custom', 'envelope', 'body', 'property'] as const;
const ACTIONS = ['replace', 'child', 'sibling', 'remove'] as const;
type SourceType = (typeof SOURCE_TYPES)[number];
type TargetType = (typeof TARGET_TYPES)[number];
type Action = (typeof ACTIONS)[number];

/** Target types Synapse (MI 4.x) has and Mediate refuses, with what they do. */
const UNSUPPORTED_TARGETS: Record<string, string> = {
  key: 'renaming a JSON key',
  variable: 'Micro Integrator 4.4 variables',
};

/** The source/target pairs Synapse's EnrichMediatorFactory refuses (reference §2.14). */
const INVALID_PAIRS: Record<SourceType, readonly TargetType[]> = {
  envelope: ['custom', 'envelope', 'body'],
  body: ['body', 'envelope'],
  custom: ['envelope'],
  property: [],
  inline: [],
};

const SOURCE_ATTRIBUTES = ['type', 'xpath', 'property', 'clone', 'key'];
const TARGET_ATTRIBUTES = ['type', 'xpath', 'property', 'action'];

/**
 * A `custom` xpath: XPath over the envelope, or json-eval JSONPath. `paths` are the plain payload paths of a
 * json-eval, for the edits that need to find a value's place in the payload; a property-relative or dynamic
 * json-eval has none.
 */
type Selector =
  | { readonly kind: 'xpath'; readonly xpath: XPathExpression }
  | { readonly kind: 'jsonpath'; readonly jsonpath: JsonPathExpression; readonly paths: readonly string[] | undefined };

type Source =
  | { readonly type: 'custom'; readonly selector: Selector; readonly clone: boolean }
  | { readonly type: 'body' | 'envelope'; readonly clone: boolean }
  | { readonly type: 'property'; readonly name: string; readonly clone: boolean }
  | { readonly type: 'inline'; readonly content: InlineContent };

/** Inline content: an element, text (with its JSON value when it is JSON), or a local entry / registry key. */
type InlineContent =
  | { readonly element: Element }
  | { readonly text: string; readonly json: { readonly value: unknown } | undefined }
  | { readonly key: string };

type Target =
  | { readonly type: 'custom'; readonly selector: Selector }
  | { readonly type: 'body' | 'envelope' }
  | { readonly type: 'property'; readonly name: string };

/** What the XML mode moves around: elements, and text (which attributes and strings become). */
type Item = Element | string;

/** A value the source holds outside the payload (a property, a keyed entry), and whether it is XML. */
interface Held {
  readonly value: unknown;
  readonly xml: boolean;
}

/**
 * `<enrich>` (reference §2.14): takes a source (an XPath/JSONPath selection, the body, the envelope, a property,
 * inline content) and puts it into a target (a selected node or path, the body, the envelope, a property) by
 * replacing it, adding it as a child or sibling, or removes the source's selection from the target. Works on
 * the JSON payload itself when the configuration allows (no XPath, no envelope, no inline XML) and the message
 * carries JSON; otherwise on the XML envelope, as Synapse does.
 */
class EnrichMediator implements Mediator {
  readonly name = 'enrich';

  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly source: Source,
    private readonly target: Target,
    private readonly action: Action,
    /** Whether the configuration qualifies for Synapse's native JSON handling. */
    private readonly jsonCapable: boolean,
  ) {}

  mediate(mc: MessageContext): boolean {
    if (this.action === 'remove') this.remove(mc);
    else {
      const held = this.held(mc);
      if (this.jsonCapable && carriesJson(mc) && !held?.xml) this.enrichJson(mc, held);
      else this.enrichXml(mc, held);
    }
    // A body written by enrich must be sent even when the request had none (Synapse removes NO_ENTITY_BODY too).
    if (this.target.type === 'body' || this.target.type === 'envelope') mc.axis2.delete('NO_ENTITY_BODY');
    return true;
  }

  private held(mc: MessageContext): Held | undefined {
    const source = this.source;
    if (source.type === 'property') {
      const value = mc.properties.get(source.name);
      return { value, xml: isXmlProperty(value) };
    }
    if (source.type === 'inline' && 'key' in source.content) {
      const value = entry(mc, source.content.key);
      return { value, xml: isElement(value) || parseJson(value) === undefined };
    }
    return undefined;
  }

  // ---- JSON mode ----

  private enrichJson(mc: MessageContext, held: Held | undefined): void {
    let root = mc.payload.json();
    let changed = false;
    const value = this.jsonSource(mc, held, root);
    if (this.source.type === 'custom' && !this.source.clone) {
      // clone="false" moves: Synapse deletes the selection from the payload before inserting it elsewhere.
      for (const path of payloadPaths(this.source.selector)) root = deleteMatches(root, path);
      changed = true;
    }
    const target = this.target;
    if (target.type === 'custom') {
      this.insertAtJsonPath(mc, root, payloadPaths(target.selector)[0]!, value);
      changed = true;
    } else if (target.type === 'body') {
      if (this.action !== 'replace') this.logError(mc, `action "${this.action}" is not supported for a JSON body: only replace is`);
      else if (!isContainer(value)) this.logError(mc, `only a JSON object or array can become the body, not ${JSON.stringify(value)}`);
      else {
        root = copyJson(value);
        changed = true;
      }
    } else if (target.type === 'property') this.storeJsonProperty(mc, target.name, value);
    if (changed) mc.payload.setJson(root);
  }

  /** The source's JSON value, a fresh copy that the payload and properties never share. */
  private jsonSource(mc: MessageContext, held: Held | undefined, root: unknown): unknown {
    const source = this.source;
    if (source.type === 'custom') {
      const { jsonpath } = source.selector as Extract<Selector, { kind: 'jsonpath' }>;
      const { found, value } = jsonpath.values(mc);
      if (!found) throw new MediationError(`enrich: the source ${jsonpath.source} matched nothing`);
      return copyJson(value);
    }
    if (source.type === 'body') {
      if (root === undefined) throw new MediationError('enrich: the source is the body, but the message has no payload');
      return copyJson(root);
    }
    if (source.type === 'property') {
      const value = held!.value;
      if (value === undefined || value === null) throw new MediationError(`enrich: the source property "${source.name}" is not set`);
      return copyJson(propertyJson(value));
    }
    // An inline source of JSON text or a key: an envelope source never reaches JSON mode.
    const content = (source as Extract<Source, { type: 'inline' }>).content;
    if ('key' in content) return parseJson(held!.value)!.value;
    return copyJson((content as Extract<InlineContent, { text: string }>).json!.value);
  }

  private insertAtJsonPath(mc: MessageContext, root: unknown, path: string, value: unknown): void {
    const matches = matchesOf(root, path);
    switch (this.action) {
      case 'replace':
        // Jayway's set changes only what exists: a path that matches nothing leaves the payload as it was.
        if (matches.length === 0) this.logWarning(mc, `the target json-eval(${path}) matched nothing; the payload is unchanged`);
        for (const m of matches) setMember(m.parent!, m.parentProperty!, copyJson(value));
        return;
      case 'child':
        if (matches.length === 0) throw new MediationError(`enrich: the target json-eval(${path}) matched nothing`);
        for (const m of matches) {
          if (!addChild(m.value, value)) this.logError(mc, `cannot add a child to ${JSON.stringify(m.value)}: it is not a JSON array, or an object receiving an object`);
        }
        return;
      case 'sibling': {
        if (matches.length === 0) throw new MediationError(`enrich: the target json-eval(${path}) matched nothing`);
        // Last index first, so that an insertion does not move the items still to be handled.
        for (const m of [...matches].sort((a, b) => Number(b.parentProperty) - Number(a.parentProperty))) {
          if (Array.isArray(m.parent)) m.parent.splice(Number(m.parentProperty) + 1, 0, copyJson(value));
          else this.logError(mc, `a sibling can only be inserted after an item of a JSON array, and json-eval(${path}) is not one`);
        }
        return;
      }
    }
  }

  private storeJsonProperty(mc: MessageContext, name: string, value: unknown): void {
    if (this.action === 'replace') {
      mc.setProperty('default', name, new JsonProperty(value));
      return;
    }
    if (this.action === 'sibling') {
      this.logError(mc, 'action "sibling" is not supported when the target is a property holding JSON');
      return;
    }
    const existing = mc.properties.get(name);
    if (existing === undefined) {
      this.logError(mc, `cannot add a child to property "${name}": it is not set`);
      return;
    }
    const json = existing instanceof JsonProperty ? { value: copyJson(existing.value) } : parseJson(stringOf(existing));
    if (!json || !addChild(json.value, value)) {
      this.logError(mc, `cannot add a child to property "${name}": it does not hold a JSON array or object`);
      return;
    }
    mc.setProperty('default', name, new JsonProperty(json.value));
  }

  // ---- XML mode ----

  private enrichXml(mc: MessageContext, held: Held | undefined): void {
    const target = this.target;
    if (target.type === 'custom' && target.selector.kind === 'jsonpath') {
      throw new MediationError(
        `enrich: the target ${target.selector.jsonpath.source} takes JSON, but the source is XML or the payload is not JSON (it is ${mc.payload.format})`,
      );
    }
    // Edits go to the envelope that will be sent; reading it first would give a JSON payload's derived view.
    const doc = target.type === 'custom' || target.type === 'body' ? mc.payload.mutableEnvelope() : undefined;
    const items = this.xmlSource(mc, held);
    if (items.length === 0) {
      this.logError(mc, 'the source selected nothing, so nothing was enriched');
      return;
    }
    switch (target.type) {
      case 'custom':
        this.insertAtXPath(mc, (target.selector as Extract<Selector, { kind: 'xpath' }>).xpath, items, doc!);
        return;
      case 'body':
        this.insertIntoBody(mc, items, doc!);
        return;
      case 'envelope': {
        const envelope = items[0]!;
        if (typeof envelope === 'string' || !isEnvelope(envelope)) {
          throw new MediationError('enrich: the target is the envelope, so the source must be a SOAP Envelope element');
        }
        mc.payload.setXml(envelope);
        return;
      }
      case 'property':
        this.storeXmlProperty(mc, target.name, items);
        return;
    }
  }

  private xmlSource(mc: MessageContext, held: Held | undefined): Item[] {
    const source = this.source;
    switch (source.type) {
      case 'custom':
        return selectedItems(mc, source.selector, source.clone);
      case 'body': {
        const first = firstBodyChild(mc.payload.envelope());
        return first ? [source.clone ? cloneElement(first) : first] : [];
      }
      case 'envelope': {
        const envelope = mc.payload.envelope().documentElement!;
        return [source.clone ? cloneElement(envelope) : envelope];
      }
      case 'property':
        return propertyItems(held!.value, source.clone);
      case 'inline': {
        const content = source.content;
        // The configuration's element (or a local entry) must stay intact for the next message: always a copy.
        if ('element' in content) return [cloneElement(content.element)];
        if ('text' in content) return [content.text];
        const value = held!.value;
        return [isElement(value) ? cloneElement(value) : stringOf(value)];
      }
    }
  }

  private insertAtXPath(mc: MessageContext, xpath: XPathExpression, items: Item[], doc: Document): void {
    const node = xpath.nodes(mc)[0];
    if (!node) throw new MediationError(`enrich: the target xpath "${xpath.source}" selected nothing`);
    const first = items[0]!;
    switch (node.nodeType) {
      case ELEMENT_NODE:
        this.place(node as Element, items, doc);
        return;
      case TEXT_NODE:
      case CDATA_SECTION_NODE: {
        const parent = node.parentNode as Element;
        if (typeof first === 'string') setText(parent, first);
        else {
          parent.removeChild(node);
          parent.appendChild(adopt(doc, first));
        }
        return;
      }
      case ATTRIBUTE_NODE: {
        if (typeof first !== 'string') throw new MediationError(`enrich: the target "${xpath.source}" is an attribute, which cannot take an element`);
        const attr = node as Attr;
        attr.ownerElement!.setAttributeNS(attr.namespaceURI, attr.name, first);
        return;
      }
      default:
        throw new MediationError(`enrich: the target xpath "${xpath.source}" selects a node that cannot be enriched`);
    }
  }

  private insertIntoBody(mc: MessageContext, items: Item[], doc: Document): void {
    const first = items[0]!;
    const current = firstBodyChild(doc);
    if (!current) {
      const body = bodyOf(doc);
      for (const item of items) {
        if (typeof item === 'string') this.logError(mc, 'text cannot be put into an empty body');
        else body.appendChild(adopt(doc, item));
      }
      return;
    }
    if (this.action === 'replace' && typeof first === 'string') {
      // A JSON object or array held as text (a property saved from a JSON body) becomes the JSON payload again.
      const json = parseJson(first);
      if (json && isContainer(json.value)) {
        mc.payload.setJson(json.value);
        return;
      }
    }
    this.place(current, items, doc);
  }

  private storeXmlProperty(mc: MessageContext, name: string, items: Item[]): void {
    if (this.action === 'child') {
      const existing = mc.properties.get(name);
      if (isElement(existing)) {
        const copy = cloneElement(existing);
        this.place(copy, items, copy.ownerDocument!);
        mc.setProperty('default', name, copy);
        return;
      }
      const parsed = typeof existing === 'string' ? parseElement(existing) : undefined;
      if (parsed) {
        this.place(parsed, items, parsed.ownerDocument!);
        mc.setProperty('default', name, serializeXml(parsed));
        return;
      }
    }
    mc.setProperty('default', name, propertyValue(items));
  }

  /** Synapse's insertElement: replace, child or sibling, relative to `node`. */
  private place(node: Element, items: Item[], doc: Document): void {
    const parent = node.parentNode;
    switch (this.action) {
      case 'replace': {
        let inserted = false;
        // With clone="false" the source can be the target itself (a property holding the live body element).
        let replacedBySelf = false;
        for (const item of items) {
          if (typeof item === 'string') setText(node, item);
          else if (item === node) replacedBySelf = true;
          else {
            parent!.insertBefore(adopt(doc, item), node);
            inserted = true;
          }
        }
        if (inserted && !replacedBySelf) parent!.removeChild(node);
        return;
      }
      // Synapse adds only elements as children and siblings; text has no place there.
      case 'child':
        for (const item of items) if (typeof item !== 'string') node.appendChild(adopt(doc, item));
        return;
      case 'sibling': {
        const next = node.nextSibling;
        for (const item of items) if (typeof item !== 'string') parent!.insertBefore(adopt(doc, item), next);
        return;
      }
    }
  }

  // ---- remove ----

  /** action="remove": deletes what the source selects from the body or from a property (reference §2.14). */
  private remove(mc: MessageContext): void {
    const selector = (this.source as Extract<Source, { type: 'custom' }>).selector;
    if (selector.kind === 'xpath') {
      mc.payload.mutableEnvelope();
      for (const node of selector.xpath.nodes(mc)) {
        if (node.nodeType === ATTRIBUTE_NODE) (node as Attr).ownerElement?.removeAttributeNode(node as Attr);
        else node.parentNode?.removeChild(node);
      }
      return;
    }
    const paths = selector.paths!;
    const target = this.target;
    if (target.type === 'property') {
      const existing = mc.properties.get(target.name);
      const json = existing instanceof JsonProperty ? { value: copyJson(existing.value) } : existing === undefined ? undefined : parseJson(stringOf(existing));
      if (!json) {
        this.logError(mc, `cannot remove from property "${target.name}": it does not hold JSON`);
        return;
      }
      let value = json.value;
      for (const path of paths) value = deleteMatches(value, path);
      if (value === undefined) mc.removeProperty('default', target.name);
      else mc.setProperty('default', target.name, new JsonProperty(value));
      return;
    }
    const format = mc.payload.format;
    if (format === 'empty') return;
    if (format !== 'json') throw new MediationError(`enrich: removing ${selector.jsonpath.source} needs a JSON payload, and this message's payload is ${format}`);
    let root = mc.payload.json();
    for (const path of paths) root = deleteMatches(root, path);
    mc.payload.setJson(root);
  }

  private logError(mc: MessageContext, message: string): void {
    mc.runtime.logger.log('error', `enrich at ${this.loc.file}:${this.loc.line}: ${message}`);
  }

  private logWarning(mc: MessageContext, message: string): void {
    mc.runtime.logger.log('warn', `enrich at ${this.loc.file}:${this.loc.line}: ${message}`);
  }
}

/** JSON-native mode needs a JSON payload; an empty one counts, so that a body can be set on a GET. */
function carriesJson(mc: MessageContext): boolean {
  const format = mc.payload.format;
  return format === 'json' || format === 'empty';
}

/**
 * Whether a property sends enrich to XML mode, as Synapse decides: an element or a node list does, and so does a
 * string that is not JSON even when quoted (Gson reads a bare word as a JSON string).
 */
function isXmlProperty(value: unknown): boolean {
  if (isElement(value)) return true;
  if (Array.isArray(value)) return value.some(isNode);
  if (typeof value === 'string') return parseJson(value) === undefined && parseJson(`"${value}"`) === undefined;
  return false;
}

function propertyJson(value: unknown): unknown {
  if (value instanceof JsonProperty) return value.value;
  if (value instanceof JavaNumber) return value.value;
  if (typeof value === 'string') return (parseJson(value) ?? parseJson(`"${value}"`))!.value;
  return value;
}

/** A local entry, else a registry resource (an element when it is XML), as Synapse's getEntry reads keys. */
function entry(mc: MessageContext, key: string): Element | string {
  const local = mc.runtime.artifacts.localEntry(key);
  if (local !== undefined) return local;
  const text = mc.runtime.registry?.readText(key);
  if (text === null || text === undefined) throw new MediationError(`enrich: key "${key}" is neither a local entry nor a registry resource`);
  return (text.trimStart().startsWith('<') && parseElement(text)) || text;
}

function parseJson(value: unknown): { value: unknown } | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return { value: JSON.parse(value) };
  } catch {
    return undefined;
  }
}

function parseElement(text: string): Element | undefined {
  try {
    return parseXml(text).documentElement!;
  } catch {
    return undefined;
  }
}

function selectedItems(mc: MessageContext, selector: Selector, clone: boolean): Item[] {
  if (selector.kind === 'jsonpath') {
    return selector.jsonpath.values(mc).found ? [selector.jsonpath.stringValue(mc)] : [];
  }
  const result = selector.xpath.evaluate(mc);
  if (!isNodeSet(result)) {
    const text = stringValueOf(result, false);
    return text === null ? [] : [text];
  }
  const items: Item[] = [];
  for (const node of result.toArray() as unknown as Node[]) {
    if (node.nodeType === ELEMENT_NODE) items.push(clone ? cloneElement(node as Element) : (node as Element));
    else if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) items.push((node as Text).data);
    else if (node.nodeType === ATTRIBUTE_NODE) items.push((node as Attr).value);
  }
  return items;
}

/** What a property holds, as source items: elements, node lists, and anything else as its text. */
function propertyItems(value: unknown, clone: boolean): Item[] {
  if (value === undefined || value === null) return [];
  if (isElement(value)) return [clone ? cloneElement(value) : value];
  if (Array.isArray(value)) {
    return value.flatMap((v): Item[] => {
      if (isElement(v)) return [clone ? cloneElement(v) : v];
      if (isNode(v)) return [(v as Text).data];
      return typeof v === 'string' ? [v] : [];
    });
  }
  return [stringOf(value)];
}

/**
 * Source items as a property value: one element, a list of elements, text, or (rarely) a node list mixing both,
 * so that `$ctx:` and a later enrich source see what Synapse's node list gives them.
 */
function propertyValue(items: Item[]): unknown {
  if (items.every((i) => typeof i === 'string')) return items.join('');
  if (items.length === 1) return items[0];
  if (items.every(isElement)) return items;
  const doc = newDocument();
  return items.map((i) => (typeof i === 'string' ? doc.createTextNode(i) : i));
}

function isNode(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { nodeType?: unknown }).nodeType === 'number';
}

function cloneElement(el: Element): Element {
  return el.cloneNode(true) as Element;
}

/** A node of another document is copied in; one of this document is moved, as Axiom moves an attached node. */
function adopt(doc: Document, node: Element): Node {
  return node.ownerDocument === doc ? node : doc.importNode(node, true);
}

function setText(el: Element, text: string): void {
  removeChildren(el);
  el.appendChild(el.ownerDocument!.createTextNode(text));
}

// ---- JSON helpers ----

interface Match {
  readonly value: unknown;
  readonly parent: Record<string, unknown> | unknown[] | null;
  readonly parentProperty: string | number | null;
}

function matchesOf(root: unknown, path: string): Match[] {
  if (root === null || typeof root !== 'object') return [];
  return JSONPath({ path, json: root, resultType: 'all', wrap: true, eval: 'safe' }) as Match[];
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function copyJson<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

function setMember(parent: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else setOwn(parent, String(key), value);
}

/** child: appends to an array, or adds an object's members to an object; false when neither applies. */
function addChild(receiver: unknown, value: unknown): boolean {
  if (Array.isArray(receiver)) {
    receiver.push(copyJson(value));
    return true;
  }
  if (isContainer(receiver) && isContainer(value) && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) setOwn(receiver as Record<string, unknown>, k, copyJson(v));
    return true;
  }
  return false;
}

/** Deletes every match of `path`; the root path deletes everything (the result is undefined). */
function deleteMatches(root: unknown, path: string): unknown {
  if (path === '$') return undefined;
  const indices = new Map<unknown[], number[]>();
  for (const m of matchesOf(root, path)) {
    if (Array.isArray(m.parent)) indices.set(m.parent, [...(indices.get(m.parent) ?? []), Number(m.parentProperty)]);
    else if (m.parent) delete m.parent[String(m.parentProperty)];
  }
  for (const [array, list] of indices) for (const i of list.sort((a, b) => b - a)) array.splice(i, 1);
  return root;
}

function payloadPaths(selector: Selector): readonly string[] {
  return (selector as Extract<Selector, { kind: 'jsonpath' }>).paths!;
}

/**
 * The payload paths of a json-eval: `json-eval($.a, $.b)` lists two (Synapse's remove takes a list), a trailing
 * `.` is dropped. Undefined when a path reads a property (`$ctx:`), has `{…}` parts or ends in a function.
 */
function plainPaths(source: string): string[] | undefined {
  const inner = /^json-eval\(([\s\S]*)\)$/.exec(source.trim())?.[1]?.trim();
  if (inner === undefined) return undefined;
  // As Jayway does, a path without a root is relative to the root: `a.b` is `$.a.b`.
  const paths = splitTopLevel(inner)
    .map((p) => (p.endsWith('.') ? p.slice(0, -1) : p))
    .map((p) => (p.startsWith('$') ? p : p.startsWith('[') ? `$${p}` : `$.${p}`));
  const plain = paths.every((p) => p.startsWith('$') && !/^\$(ctx|trp|axis2):/.test(p) && !p.includes('{') && !p.endsWith('()'));
  return plain ? paths : undefined;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

// ---- compile ----

/** Warns (XML: Synapse ignores them) or refuses (YAML) attributes a <source>/<target> does not take. */
function checkAttributes(node: ConfigNode, known: readonly string[], cx: CompileContext): void {
  for (const attr of node.attributes.values()) {
    if (known.includes(attr.name)) continue;
    const message = `<${node.name}> has no attribute "${attr.name}"${didYouMean(attr.name, known)}`;
    if (node.source === 'yaml') cx.diagnostics.error(attr.loc, message);
    else cx.diagnostics.warn(attr.loc, `${message}; Synapse ignores it`);
  }
}

function compileSelector(node: ConfigNode, cx: CompileContext): Selector | undefined {
  if (node.attr('xpath') === undefined) {
    cx.diagnostics.error(node.loc, `<${node.name} type="custom"> needs an xpath attribute`);
    return undefined;
  }
  const expression = cx.expression(node, 'xpath');
  if (expression instanceof XPathExpression) return { kind: 'xpath', xpath: expression };
  if (expression instanceof JsonPathExpression) return { kind: 'jsonpath', jsonpath: expression, paths: plainPaths(node.attr('xpath')!) };
  return undefined;
}

function compileClone(node: ConfigNode, cx: CompileContext): boolean {
  const text = node.attr('clone');
  if (text === undefined) return true;
  if (!/^(true|false)$/i.test(text)) {
    cx.diagnostics.warn(node.attrLoc('clone'), `clone="${text}" is neither true nor false; Synapse reads it as false`);
  }
  return text.toLowerCase() === 'true';
}

function compileSource(node: ConfigNode, type: SourceType, cx: CompileContext): Source | undefined {
  const clone = compileClone(node, cx);
  switch (type) {
    case 'custom': {
      const selector = compileSelector(node, cx);
      return selector && { type, selector, clone };
    }
    case 'body':
    case 'envelope':
      return { type, clone };
    case 'property': {
      const name = node.attr('property');
      if (name) return { type, name, clone };
      cx.diagnostics.error(node.loc, '<source type="property"> needs a property attribute');
      return undefined;
    }
    case 'inline': {
      const element = node.element ? firstChildElement(node.element) : null;
      if (element) return { type, content: { element } };
      if (node.text.trim() !== '') return { type, content: { text: node.text, json: parseJson(node.text) } };
      const key = node.attr('key');
      if (key) return { type, content: { key } };
      cx.diagnostics.error(node.loc, '<source type="inline"> needs an inline XML element, text, or a key attribute');
      return undefined;
    }
  }
}

function compileTarget(node: ConfigNode, type: TargetType, action: Action, cx: CompileContext): Target | undefined {
  switch (type) {
    case 'custom': {
      const selector = compileSelector(node, cx);
      if (!selector || selector.kind === 'xpath') return selector && { type, selector };
      if (!selector.paths || selector.paths.length !== 1) {
        cx.diagnostics.error(
          node.attrLoc('xpath'),
          `the target ${selector.jsonpath.source} must be one path into the JSON payload: property-relative ($ctx:), dynamic ({…}) and listed paths cannot be written to`,
        );
        return undefined;
      }
      if (action === 'replace' && selector.paths[0] === '$') {
        cx.diagnostics.error(node.attrLoc('xpath'), 'action "replace" on the JSONPath root $ is not allowed: use <target type="body"/> to replace the whole payload');
        return undefined;
      }
      return { type, selector };
    }
    case 'body':
    case 'envelope':
      return { type };
    case 'property': {
      const name = node.attr('property');
      if (name) return { type, name };
      cx.diagnostics.error(node.loc, '<target type="property"> needs a property attribute');
      return undefined;
    }
  }
}

function readSourceType(node: ConfigNode, cx: CompileContext): SourceType | undefined {
  const type = node.attr('type') ?? 'custom';
  if ((SOURCE_TYPES as readonly string[]).includes(type)) return type as SourceType;
  cx.diagnostics.error(node.attrLoc('type'), `<source> type="${type}" is not one of ${SOURCE_TYPES.join(', ')}`);
  return undefined;
}

function readTargetType(node: ConfigNode, cx: CompileContext): TargetType | undefined {
  const type = node.attr('type') ?? 'custom';
  if ((TARGET_TYPES as readonly string[]).includes(type)) return type as TargetType;
  const at = node.attrLoc('type');
  if (type === 'inline') cx.diagnostics.error(at, 'target type "inline" is not allowed: inline is a source type only');
  else if (UNSUPPORTED_TARGETS[type]) cx.diagnostics.error(at, `unsupported target type "${type}" (${UNSUPPORTED_TARGETS[type]}): Mediate does not implement it`);
  else cx.diagnostics.error(at, `<target> type="${type}" is not one of ${TARGET_TYPES.join(', ')}`);
  return undefined;
}

function readAction(node: ConfigNode, cx: CompileContext): Action | undefined {
  const action = node.attr('action') ?? 'replace';
  if ((ACTIONS as readonly string[]).includes(action)) return action as Action;
  cx.diagnostics.error(node.attrLoc('action'), `<target> action="${action}" is not one of ${ACTIONS.join(', ')}`);
  return undefined;
}

/** The combinations Synapse refuses, and those of remove, which deletes the source's selection from the target. */
function checkCombination(node: ConfigNode, targetNode: ConfigNode, source: Source, target: Target, action: Action, cx: CompileContext): void {
  if (INVALID_PAIRS[source.type].includes(target.type)) {
    cx.diagnostics.error(node.loc, `<enrich> cannot combine source type "${source.type}" with target type "${target.type}"`);
  }
  if (target.type === 'envelope' && action !== 'replace') {
    cx.diagnostics.error(targetNode.attrLoc('action'), `<enrich> cannot combine target type "envelope" with action "${action}": an envelope can only be replaced`);
  }
  if (action !== 'remove') {
    if (source.type === 'custom' && !source.clone && source.selector.kind === 'jsonpath' && !source.selector.paths) {
      cx.diagnostics.error(node.loc, `clone="false" moves the source out of the payload, so ${source.selector.jsonpath.source} must be a plain path into it`);
    }
    return;
  }
  if (source.type !== 'custom') {
    cx.diagnostics.error(node.loc, `<enrich> cannot combine action "remove" with source type "${source.type}": remove deletes what the source's xpath selects`);
  } else if (target.type !== 'body' && target.type !== 'property') {
    cx.diagnostics.error(node.loc, `<enrich> cannot combine action "remove" with target type "${target.type}": remove deletes from the body or a property`);
  } else if (source.selector.kind === 'xpath' && target.type === 'property') {
    cx.diagnostics.error(node.loc, '<enrich> cannot combine action "remove" with target type "property" and an XPath source: removing from a property takes json-eval paths');
  } else if (source.selector.kind === 'jsonpath' && !source.selector.paths) {
    cx.diagnostics.error(node.loc, `action "remove" needs plain paths into the JSON, not ${source.selector.jsonpath.source}`);
  }
}

export const enrich: MediatorDefinition = {
  name: 'enrich',
  attributes: {},
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const inert: Mediator = { name: 'enrich', loc: node.loc, mediate: () => true };
    const sourceNode = node.child('source');
    const targetNode = node.child('target');
    if (!sourceNode || !targetNode) {
      cx.diagnostics.error(node.loc, '<enrich> needs a <source> and a <target>');
      return inert;
    }
    checkAttributes(sourceNode, SOURCE_ATTRIBUTES, cx);
    checkAttributes(targetNode, TARGET_ATTRIBUTES, cx);
    const sourceType = readSourceType(sourceNode, cx);
    const targetType = readTargetType(targetNode, cx);
    const action = readAction(targetNode, cx);
    if (!sourceType || !targetType || !action) return inert;
    const source = compileSource(sourceNode, sourceType, cx);
    const target = compileTarget(targetNode, targetType, action, cx);
    if (!source || !target) return inert;
    const errors = cx.diagnostics.errors.length;
    checkCombination(node, targetNode, source, target, action, cx);
    if (cx.diagnostics.errors.length > errors) return inert;
    const xpathUsed = [source, target].some((side) => side.type === 'custom' && side.selector.kind === 'xpath');
    const envelopeUsed = source.type === 'envelope' || target.type === 'envelope';
    const inlineXml = source.type === 'inline' && ('element' in source.content || ('text' in source.content && !source.content.json));
    return new EnrichMediator(node.loc, source, target, action, !xpathUsed && !envelopeUsed && !inlineXml);
  },
};
