import { Document as YamlDocument } from 'yaml';
import type { ConfigNode } from './config-node.js';
import { SYNAPSE_NS } from './config-node.js';
import { ConfigError, Diagnostics } from './diagnostics.js';
import { readXmlConfig } from './xml-reader.js';
import { readYamlConfig, YAML_CHILDREN_KEY, YAML_TEXT_KEY } from './yaml-reader.js';

/**
 * `mediate convert`: Synapse XML ⇄ Mediate YAML, element for element (docs/yaml.md). Both directions keep every
 * element, attribute, namespace declaration and text; XML comments and the layout of the file are not carried.
 */
export function xmlToYaml(text: string, file: string): string {
  const root = read(text, file, readXmlConfig);
  // YAML elements are in the Synapse namespace unless they say otherwise, so that declaration goes without saying.
  const doc = new YamlDocument({ [qname(root)]: body(root, new Map([['', SYNAPSE_NS]])) });
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

export function yamlToXml(text: string, file: string): string {
  const root = read(text, file, readYamlConfig);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${writeElement(root, new Map(), '', true)}\n`;
}

function read(text: string, file: string, reader: (t: string, f: string, d: Diagnostics) => ConfigNode | undefined): ConfigNode {
  const diagnostics = new Diagnostics();
  const root = reader(text, file, diagnostics);
  diagnostics.throwIfErrors();
  if (!root) throw new ConfigError(diagnostics.items);
  return root;
}

/** The element's name with the prefix it was written with. */
function qname(node: ConfigNode): string {
  return node.element?.tagName ?? node.name;
}

/** Namespace declarations made on this element: those that differ from the parent's scope. */
function declarations(node: ConfigNode, parent: ReadonlyMap<string, string>): Array<[string, string]> {
  return [...node.namespaces].filter(([prefix, uri]) => parent.get(prefix) !== uri);
}

function significantText(node: ConfigNode): string | undefined {
  if (node.children.length > 0) return node.text.trim() === '' ? undefined : node.text;
  return node.text === '' ? undefined : node.text;
}

function body(node: ConfigNode, parent: ReadonlyMap<string, string>): unknown {
  const decls = declarations(node, parent);
  const text = significantText(node);
  const children = node.children.map((c) => ({ [qname(c)]: body(c, node.namespaces) }));
  if (decls.length === 0 && node.attributes.size === 0) {
    if (children.length === 0) return text ?? null;
    if (text === undefined) return children;
  }
  const map: Record<string, unknown> = {};
  for (const [prefix, uri] of decls) map[prefix ? `xmlns:${prefix}` : 'xmlns'] = uri;
  for (const a of node.attributes.values()) map[a.name] = a.value;
  if (children.length > 0) map[YAML_CHILDREN_KEY] = children;
  if (text !== undefined) map[YAML_TEXT_KEY] = text;
  return map;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;').replace(/\r/g, '&#13;');
}

/** Text with markup characters goes into CDATA (a script body stays readable). */
function writeText(text: string): string {
  return /[<&]/.test(text) && !text.includes(']]>') ? `<![CDATA[${text}]]>` : escapeText(text);
}

function writeElement(node: ConfigNode, scope: ReadonlyMap<string, string>, indent: string, root = false): string {
  const attrs: string[] = [];
  const own = new Map(node.namespaces);
  if (root && !own.has('') && node.namespace === SYNAPSE_NS && !qname(node).includes(':')) own.set('', SYNAPSE_NS);
  for (const [prefix, uri] of own) if (scope.get(prefix) !== uri) attrs.push(`${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeAttribute(uri)}"`);
  for (const a of node.attributes.values()) attrs.push(`${a.name}="${escapeAttribute(a.value)}"`);
  const open = `${indent}<${qname(node)}${attrs.length ? ` ${attrs.join(' ')}` : ''}`;
  const text = significantText(node);
  if (node.children.length === 0) return text === undefined ? `${open}/>` : `${open}>${writeText(text)}</${qname(node)}>`;
  const inner = node.children.map((c) => writeElement(c, own, `${indent}  `)).join('\n');
  const textPart = text === undefined ? '' : `${indent}  ${writeText(text.trim())}\n`;
  return `${open}>\n${textPart}${inner}\n${indent}</${qname(node)}>`;
}
