import type { Document, Element, Node } from '@xmldom/xmldom';
import { ATTRIBUTE_NODE, childElements, directText, PROCESSING_INSTRUCTION_NODE } from '../xml/dom.js';

/**
 * JSON ⇄ XML as Synapse converts them (reference §3.6): a JSON object is `<jsonObject>`, a top-level array is
 * `<jsonArray>` of `<jsonElement>`s, members are child elements named after their keys, arrays are repeated
 * siblings announced by an `<?xml-multiple name?>` instruction so that a one-item array survives a round trip.
 */
export const JSON_OBJECT = 'jsonObject';
export const JSON_ARRAY = 'jsonArray';
export const JSON_ELEMENT = 'jsonElement';
const MULTIPLE_PI = 'xml-multiple';
const PREFIX_DOLLAR = '_JsonReader_PS_';
const PREFIX_DIGIT = '_JsonReader_PD_';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Sets an own, enumerable property even for keys such as `__proto__`, so no prototype is ever reached. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Builds the XML infoset of a JSON value inside `doc` (not attached). */
export function jsonToXml(value: unknown, doc: Document): Element {
  if (Array.isArray(value)) {
    const root = doc.createElement(JSON_ARRAY);
    for (const item of value) appendMember(root, JSON_ELEMENT, item, doc);
    return root;
  }
  const root = doc.createElement(JSON_OBJECT);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) appendMember(root, k, v, doc);
  } else {
    fillScalar(root, value, doc);
  }
  return root;
}

function appendMember(parent: Element, key: string, value: unknown, doc: Document): void {
  const name = xmlName(key);
  if (Array.isArray(value)) {
    parent.appendChild(doc.createProcessingInstruction(MULTIPLE_PI, name));
    for (const item of value) {
      if (Array.isArray(item)) {
        // An array inside an array has no name of its own: Synapse nests it as an anonymous jsonArray.
        const holder = doc.createElement(name);
        holder.appendChild(jsonToXml(item, doc));
        parent.appendChild(holder);
      } else appendMember(parent, key, item, doc);
    }
    return;
  }
  const el = doc.createElement(name);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) appendMember(el, k, v, doc);
  } else fillScalar(el, value, doc);
  parent.appendChild(el);
}

function fillScalar(el: Element, value: unknown, doc: Document): void {
  if (value === null || value === undefined || value === '') return;
  el.appendChild(doc.createTextNode(String(value)));
}

/** A JSON key as an XML name: `$x` and `1x` get Synapse's `_JsonReader_` prefixes, other illegal characters are coded. */
export function xmlName(key: string): string {
  if (key === '') return '_JsonReader_EMPTY_';
  let name = key;
  let prefix = '';
  if (name.startsWith('$')) {
    prefix = PREFIX_DOLLAR;
    name = name.slice(1);
  } else if (/^[0-9]/.test(name)) prefix = PREFIX_DIGIT;
  name = name.replace(/[^A-Za-z0-9_.\-\u00B7\u00C0-\u1FFF\u2070-\uFFFD]/g, (c) => `_JsonReader_${c.codePointAt(0)}_`);
  if (!prefix && /^[.\-]/.test(name)) prefix = PREFIX_DIGIT;
  return prefix + name;
}

/** The inverse of xmlName. */
export function jsonKey(name: string): string {
  let key = name;
  if (key === '_JsonReader_EMPTY_') return '';
  if (key.startsWith(PREFIX_DOLLAR)) key = '$' + key.slice(PREFIX_DOLLAR.length);
  else if (key.startsWith(PREFIX_DIGIT)) key = key.slice(PREFIX_DIGIT.length);
  return key.replace(/_JsonReader_(\d+)_/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

/**
 * Converts an element to JSON as Synapse's XML→JSON formatter does: `<jsonObject>`/`<jsonArray>` wrappers
 * disappear, any other root becomes `{"root": ...}`, repeated siblings become arrays, numeric and boolean text
 * becomes numbers and booleans, empty elements are null, attributes become `@name` members.
 */
export function xmlToJson(el: Element): JsonValue {
  return convert(el, false) as JsonValue;
}

/** xmlToJson as JSON text, numbers written as the XML wrote them: `<price>25.0000</price>` → `{"price":25.0000}`. */
export function xmlToJsonText(el: Element): string {
  return stringify(convert(el, true));
}

/** A number kept as its XML text, which JSON.stringify would rewrite (`25.0000` → `25`). */
class NumberText {
  constructor(readonly text: string) {}
}

type Tree = null | boolean | number | string | NumberText | Tree[] | { [key: string]: Tree };

function convert(el: Element, keepText: boolean): Tree {
  if (el.localName === JSON_OBJECT) return elementValue(el, keepText) ?? {};
  if (el.localName === JSON_ARRAY) return childElements(el).map((c) => elementValue(c, keepText));
  const out: Record<string, Tree> = {};
  setOwn(out, jsonKey(el.localName!), elementValue(el, keepText));
  return out;
}

function stringify(value: Tree): string {
  if (value instanceof NumberText) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${stringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function elementValue(el: Element, keepText: boolean): Tree {
  const children = childElements(el);
  const attrs = attributeMembers(el, keepText);
  if (children.length === 0 && attrs.length === 0) return scalar(directText(el), keepText);
  if (children.length === 1 && children[0]!.localName === JSON_ARRAY && attrs.length === 0) {
    return childElements(children[0]!).map((c) => elementValue(c, keepText));
  }
  const obj: Record<string, Tree> = {};
  for (const [k, v] of attrs) setOwn(obj, k, v);
  const multiples = multipleNames(el);
  for (const child of children) {
    const key = jsonKey(child.localName!);
    const value = elementValue(child, keepText);
    const existing = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
    if (existing !== undefined) {
      if (Array.isArray(existing) && (multiples.has(child.localName!) || isRepeated(el, child.localName!))) existing.push(value);
      else setOwn(obj, key, [existing, value]);
    } else setOwn(obj, key, multiples.has(child.localName!) ? [value] : value);
  }
  const text = directText(el).trim();
  if (text) setOwn(obj, '$', scalar(text, keepText));
  return obj;
}

function isRepeated(parent: Element, name: string): boolean {
  let count = 0;
  for (const c of childElements(parent)) if (c.localName === name && ++count > 1) return true;
  return false;
}

function multipleNames(el: Element): Set<string> {
  const names = new Set<string>();
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === PROCESSING_INSTRUCTION_NODE && (n as unknown as { target: string }).target === MULTIPLE_PI) {
      names.add((n as unknown as { data: string }).data.trim());
    }
  }
  return names;
}

function attributeMembers(el: Element, keepText: boolean): Array<[string, Tree]> {
  const out: Array<[string, Tree]> = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.nodeType !== ATTRIBUTE_NODE || a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    out.push([`@${a.localName ?? a.name}`, scalar(a.value, keepText)]);
  }
  return out;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Text as Synapse's formatter types it: empty → null, JSON-number text → number, true/false → boolean. */
function scalar(text: string, keepText: boolean): Tree {
  if (text === '') return null;
  if (JSON_NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || text.includes('.') || /e/i.test(text))) return keepText ? new NumberText(text) : n;
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}
