import type { Element, Node } from '@xmldom/xmldom';
import { parseStrict } from '../xml/dom.js';
import { XMLValidator } from 'fast-xml-parser';
import { ConfigNode, type ConfigAttribute } from './config-node.js';
import type { Diagnostics, SourceLocation } from './diagnostics.js';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const XMLNS = 'http://www.w3.org/2000/xmlns/';

/** Maps offsets in a text to 1-based line:column. */
class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  offsetOf(line: number, column: number): number {
    return (this.starts[line - 1] ?? 0) + column - 1;
  }
  locate(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/**
 * Reads Synapse XML configuration text into ConfigNodes with exact positions. Well-formedness is checked by
 * fast-xml-parser's validator, whose messages carry line and column; the tree is built by xmldom, which is
 * namespace-aware and never expands entities. A DOCTYPE is refused outright: configuration has no use for one,
 * and refusing it rules out every entity trick.
 */
export function readXmlConfig(text: string, file: string, diagnostics: Diagnostics): ConfigNode | undefined {
  const checked = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (checked !== true) {
    diagnostics.error({ file, line: checked.err.line, column: checked.err.col }, `malformed XML: ${checked.err.msg}`);
    return undefined;
  }
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    const index = new LineIndex(text);
    diagnostics.error({ file, ...index.locate(doctype.index) }, 'a DOCTYPE is not allowed in configuration');
    return undefined;
  }
  const { doc, failure } = parseStrict(text);
  const root = doc?.documentElement ?? null;
  if (!root || failure) {
    diagnostics.error({ file, line: 1, column: 1 }, `malformed XML: ${failure ?? 'no root element'}`);
    return undefined;
  }
  return toConfigNode(root, file, new LineIndex(text), new Map());
}

function toConfigNode(el: Element, file: string, index: LineIndex, inherited: ReadonlyMap<string, string>): ConfigNode {
  const loc: SourceLocation = { file, line: el.lineNumber ?? 1, column: el.columnNumber ?? 1 };
  let namespaces = inherited;
  const attributes = new Map<string, ConfigAttribute>();
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    if (a.namespaceURI === XMLNS) {
      if (namespaces === inherited) namespaces = new Map(inherited);
      (namespaces as Map<string, string>).set(a.prefix ? a.localName! : '', a.value);
      continue;
    }
    attributes.set(a.name, { name: a.name, value: a.value, loc: attributeLocation(a.name, loc, index) });
  }
  const children: ConfigNode[] = [];
  let text = '';
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) children.push(toConfigNode(n as Element, file, index, namespaces));
    else if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) text += (n as unknown as { data: string }).data;
  }
  return new ConfigNode(el.localName!, el.namespaceURI, loc, attributes, children, text, namespaces, 'xml', el);
}

/** Finds `name=` inside the element's start tag so that attribute errors point at the attribute itself. */
function attributeLocation(name: string, element: SourceLocation, index: LineIndex): SourceLocation {
  const start = index.offsetOf(element.line, element.column);
  const tag = index.text.slice(start, startTagEnd(index.text, start));
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`\\s(${escaped})\\s*=`).exec(tag);
  if (!m) return element;
  return { file: element.file, ...index.locate(start + m.index + 1) };
}

/** The offset of the `>` that closes the start tag at `start`; `>` inside quoted attribute values is skipped. */
function startTagEnd(text: string, start: number): number {
  let quote = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return text.length;
}
