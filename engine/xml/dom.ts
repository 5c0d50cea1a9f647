import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { PayloadError } from '../errors.js';

export const ELEMENT_NODE = 1;
export const ATTRIBUTE_NODE = 2;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;
export const PROCESSING_INSTRUCTION_NODE = 7;
export const COMMENT_NODE = 8;
export const DOCUMENT_NODE = 9;

/** Bounds on a parsed XML payload; the gateway makes them configurable (gateway.yaml `limits`). */
export interface XmlLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 256, maxElements: 100_000, maxAttributes: 64 };

const implementation = new DOMImplementation();

/**
 * xmldom with every error and fatal error fatal (its default is to recover and build a partial tree): the
 * document, or the first problem it reported.
 */
export function parseStrict(text: string): { doc: Document | undefined; failure: string | undefined } {
  let failure: string | undefined;
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') {
        failure ??= message;
        throw new Error(message);
      }
    },
  });
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(text, 'text/xml');
  } catch (err) {
    failure ??= (err as Error).message;
  }
  return { doc, failure };
}
const serializer = new XMLSerializer();

/**
 * Parses untrusted XML into a DOM. xmldom never resolves external entities and never expands DTD entities;
 * on top of that a DOCTYPE is refused (the billion-laughs and XXE families need one), several roots are
 * refused, and the tree is checked against `limits` before anyone reads it.
 */
export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Document {
  scanMarkup(text, limits);
  const { doc, failure } = parseStrict(text);
  if (!doc || failure || !doc.documentElement) {
    throw new PayloadError(`malformed XML payload: ${firstLine(failure ?? 'no root element')}`);
  }
  if (doc.doctype) throw new PayloadError('XML payloads with a DOCTYPE are refused');
  checkLimits(doc.documentElement, limits);
  return doc;
}

/**
 * The limits and the DOCTYPE refusal, checked on the text before xmldom builds anything: building first costs
 * seconds for a few megabytes of `<a><a><a>...` or `<a/><a/>...`, all of it thrown away. Malformed markup is
 * left for the parser to report; for well-formed XML the counts are exactly those of the tree.
 */
function scanMarkup(text: string, limits: XmlLimits): void {
  const n = text.length;
  let depth = 0;
  let elements = 0;
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0 || lt + 1 >= n) return;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x2f /* </ */) {
      depth--;
      i = lt + 2;
      continue;
    }
    if (next === 0x3f /* <? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) return;
      i = end + 2;
      continue;
    }
    if (next === 0x21 /* <! */) {
      const comment = text.startsWith('<!--', lt);
      if (!comment && !text.startsWith('<![CDATA[', lt)) throw new PayloadError('XML payloads with a DOCTYPE are refused');
      const end = text.indexOf(comment ? '-->' : ']]>', lt + (comment ? 4 : 9));
      if (end < 0) return;
      i = end + 3;
      continue;
    }
    if (++elements > limits.maxElements) throw new PayloadError(`XML payload has more than ${limits.maxElements} elements`);
    if (depth + 1 > limits.maxDepth) throw new PayloadError(`XML payload nests deeper than ${limits.maxDepth} levels`);
    let attributes = 0;
    let quote = 0;
    let j = lt + 1;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3d /* = */) attributes++;
      else if (c === 0x3e /* > */) break;
    }
    if (j >= n) return;
    if (attributes > limits.maxAttributes) throw new PayloadError(`XML element <${tagName(text, lt + 1)}> has more than ${limits.maxAttributes} attributes`);
    if (text.charCodeAt(j - 1) !== 0x2f /* not /> */) depth++;
    i = j + 1;
  }
}

function tagName(text: string, start: number): string {
  return /^[^\s/>]{0,64}/.exec(text.slice(start, start + 64))![0];
}

function checkLimits(root: Element, limits: XmlLimits): void {
  let elements = 0;
  const walk = (el: Element, depth: number) => {
    if (depth > limits.maxDepth) throw new PayloadError(`XML payload nests deeper than ${limits.maxDepth} levels`);
    if (++elements > limits.maxElements) throw new PayloadError(`XML payload has more than ${limits.maxElements} elements`);
    if (el.attributes.length > limits.maxAttributes) {
      throw new PayloadError(`XML element <${el.tagName}> has more than ${limits.maxAttributes} attributes`);
    }
    for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) walk(n as Element, depth + 1);
  };
  walk(root, 1);
}

export function newDocument(): Document {
  return implementation.createDocument(null, '', null);
}

export function serializeXml(node: Node): string {
  return serializer.serializeToString(node);
}

export function childElements(el: Element | Document): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
  return out;
}

export function firstChildElement(el: Element | Document): Element | null {
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) return n as Element;
  return null;
}

/** The element's own text (its direct text and CDATA children). */
export function directText(el: Element): string {
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) text += (n as unknown as { data: string }).data;
  }
  return text;
}

export function removeChildren(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}
