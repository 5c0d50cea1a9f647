import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type { Element } from '@xmldom/xmldom';
import { newDocument } from '../xml/dom.js';
import { ConfigNode, SYNAPSE_NS, type ConfigAttribute } from './config-node.js';
import type { Diagnostics, SourceLocation } from './diagnostics.js';

/** The map keys that hold an element's ordered child elements and its text, rather than an attribute. */
export const YAML_CHILDREN_KEY = 'children';
export const YAML_TEXT_KEY = 'text';

/**
 * Reads the YAML form of a configuration (design.md §5) into ConfigNodes. An element is a one-key map
 * `{name: body}`; the body is empty, a scalar (the element's text), a list (its child elements), or a map whose
 * scalar values are attributes, whose `children` list and `text` scalar are the ordered children and the text,
 * and whose other map or list values are child elements of that name.
 */
export function readYamlConfig(text: string, file: string, diagnostics: Diagnostics): ConfigNode | undefined {
  const parsed = parseYaml(text, file, diagnostics);
  if (!parsed) return undefined;
  const { root, at } = parsed;
  if (!isMap(root) || root.items.length !== 1) {
    diagnostics.error(at(root, { file, line: 1, column: 1 }), 'a YAML configuration is a map with one key: the artifact (sequence, api, endpoint, ...)');
    return undefined;
  }
  return yamlElement(root.items[0]!, at, diagnostics);
}

/** A parsed YAML document with a way to locate its nodes; syntax errors are reported and give undefined. */
export function parseYaml(text: string, file: string, diagnostics: Diagnostics): { root: YamlNode | null; at: Locate } | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = lines.linePos(e.pos[0]);
      diagnostics.error({ file, line: pos.line, column: pos.col }, `malformed YAML: ${firstLine(e.message)}`);
    }
    return undefined;
  }
  const at: Locate = (node, fallback) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return fallback;
    const pos = lines.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  return { root: doc.contents as YamlNode | null, at };
}

/** One `name: body` pair of a YAML document as a configuration element (the mapping of docs/yaml.md). */
export function yamlElement(pair: Pair, at: Locate, diagnostics: Diagnostics): ConfigNode | undefined {
  return element(pair, at, at(pair.key as YamlNode, { file: '', line: 1, column: 1 }), new Map(), diagnostics);
}

export type Locate = (node: YamlNode | null | undefined, fallback: SourceLocation) => SourceLocation;

function element(
  pair: Pair,
  at: Locate,
  parentLoc: SourceLocation,
  inherited: ReadonlyMap<string, string>,
  diagnostics: Diagnostics,
): ConfigNode | undefined {
  const keyNode = pair.key as YamlNode;
  const loc = at(keyNode, parentLoc);
  const name = isScalar(keyNode) ? String(keyNode.value) : '';
  if (!name) {
    diagnostics.error(loc, 'an element name must be a plain string');
    return undefined;
  }
  const body = pair.value as YamlNode | null;
  const attributes = new Map<string, ConfigAttribute>();
  const children: ConfigNode[] = [];
  let text = '';
  // `xmlns:p: uri` keys declare namespace prefixes for XPath, as xmlns attributes do in XML.
  let namespaces = inherited;
  if (isMap(body)) {
    for (const item of body.items) {
      const key = isScalar(item.key) ? String(item.key.value) : '';
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        if (namespaces === inherited) namespaces = new Map(inherited);
        (namespaces as Map<string, string>).set(key.slice(6), isScalar(item.value) ? String(item.value.value) : '');
      }
    }
  }

  const addChildren = (list: YamlNode) => {
    if (!isSeq(list)) {
      diagnostics.error(at(list, loc), `"${YAML_CHILDREN_KEY}" of <${name}> must be a list of one-key maps`);
      return;
    }
    for (const item of list.items as YamlNode[]) {
      if (!isMap(item) || item.items.length !== 1) {
        diagnostics.error(at(item, loc), `each child of <${name}> must be a one-key map {element: ...}`);
        continue;
      }
      const child = element(item.items[0]!, at, loc, namespaces, diagnostics);
      if (child) children.push(child);
    }
  };

  if (body === null || (isScalar(body) && body.value === null)) {
    // An empty element such as `drop:`.
  } else if (isScalar(body)) {
    text = String(body.value);
  } else if (isSeq(body)) {
    addChildren(body);
  } else if (isMap(body)) {
    for (const item of body.items) {
      const key = item.key as YamlNode;
      const keyName = isScalar(key) ? String(key.value) : '';
      const value = item.value as YamlNode | null;
      if (keyName === 'xmlns' || keyName.startsWith('xmlns:')) continue;
      if (keyName === YAML_CHILDREN_KEY && value) addChildren(value);
      else if (keyName === YAML_TEXT_KEY && isScalar(value)) text = String(value.value);
      else if (value && (isMap(value) || isSeq(value))) {
        const child = element(item, at, loc, namespaces, diagnostics);
        if (child) children.push(child);
      } else {
        const scalar = isScalar(value) ? value.value : null;
        attributes.set(keyName, { name: keyName, value: scalar === null ? '' : String(scalar), loc: at(key, loc) });
      }
    }
  } else {
    diagnostics.error(at(body, loc), `<${name}> has a value of an unsupported kind`);
  }
  const colon = name.indexOf(':');
  const prefix = colon > 0 ? name.slice(0, colon) : '';
  const namespace = prefix ? namespaces.get(prefix) : (namespaces.get('') ?? SYNAPSE_NS);
  if (namespace === undefined) {
    diagnostics.error(loc, `the prefix of <${name}> is not declared (add xmlns:${prefix}: ... to it or an enclosing element)`);
    return undefined;
  }
  const local = colon > 0 ? name.slice(colon + 1) : name;
  let xml: Element;
  try {
    xml = toElement(name, namespace, attributes, children, text, namespaces, inherited);
  } catch (err) {
    // A YAML key may be any text; XML names may not (`"a b": x`): a diagnostic, not a DOM exception.
    diagnostics.error(loc, `<${name}> cannot be written as XML: ${firstLine((err as Error).message)}`);
    return undefined;
  }
  return new ConfigNode(local, namespace || null, loc, attributes, children, text, namespaces, 'yaml', xml);
}

const yamlDocument = newDocument();

/**
 * The same element as XML, so that mediators whose content is literal XML (a payloadFactory format, an enrich
 * inline source, an inline property value) read YAML and XML alike.
 */
function toElement(
  qname: string,
  namespace: string,
  attributes: ReadonlyMap<string, ConfigAttribute>,
  children: readonly ConfigNode[],
  text: string,
  namespaces: ReadonlyMap<string, string>,
  inherited: ReadonlyMap<string, string>,
): Element {
  const el = yamlDocument.createElementNS(namespace || null, qname);
  for (const [prefix, uri] of namespaces) {
    if (inherited.get(prefix) !== uri) el.setAttributeNS('http://www.w3.org/2000/xmlns/', prefix ? `xmlns:${prefix}` : 'xmlns', uri);
  }
  for (const a of attributes.values()) el.setAttribute(a.name, a.value);
  if (text) el.appendChild(yamlDocument.createTextNode(text));
  for (const child of children) if (child.element) el.appendChild(child.element);
  return el;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}
