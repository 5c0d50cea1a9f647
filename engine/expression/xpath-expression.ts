import type { Element, Node } from '@xmldom/xmldom';
import { ExpressionError } from '../errors.js';
import type { MessageContext } from '../message/message-context.js';
import { lookupProperty } from './properties.js';
import { bodyOf, headerOf, newEnvelope } from '../xml/soap.js';
import { ATTRIBUTE_NODE, DOCUMENT_NODE, ELEMENT_NODE, serializeXml, directText } from '../xml/dom.js';
import { javaDoubleToString } from './java-number.js';
import {
  asXPathFunction,
  JAXEN_FUNCTIONS,
  SYNAPSE_FUNCTIONS,
  toXValue,
  UNSUPPORTED_FUNCTIONS,
} from './xpath-functions.js';
import {
  coreFunction,
  isNodeSet,
  nodeSet,
  xpath,
  type XPathAst,
  type XPathContextLike,
  type XPathFunction,
  type XValue,
} from './xpath-lib.js';
import type { Expression } from './expression.js';
import { compileFastPath, type FastPathNames, type FastXPath } from './xpath-fast-path.js';

/** Stands for an undeclared prefix, so that `fn:concat` finds the core function as it does in Jaxen. */
const UNDECLARED = 'urn:mediate:undeclared-prefix:';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Functions that read the context node when called without arguments. */
const CONTEXT_FUNCTIONS = new Set(['string', 'name', 'local-name', 'namespace-uri', 'normalize-space', 'string-length', 'number']);
/** Functions that read the context node (lang) or its document (id) whatever their arguments. */
const ALWAYS_CONTEXT_FUNCTIONS = new Set(['lang', 'id']);

const SYNAPSE = new Map(Object.entries(SYNAPSE_FUNCTIONS).map(([n, f]) => [n, asXPathFunction(n, f)]));
const JAXEN = new Map(Object.entries(JAXEN_FUNCTIONS).map(([n, f]) => [n, asXPathFunction(n, f)]));

/** An empty envelope for expressions that never look at the payload, so that none is parsed for them. */
const DETACHED = newEnvelope().documentElement!;

interface AstFacts {
  contentAware: boolean;
  functions: string[];
  variables: string[];
  prefixes: string[];
}

/**
 * An XPath 1.0 expression evaluated the way Synapse's Jaxen setup does: the context node is the SOAP envelope,
 * Synapse functions match by local name, undeclared prefixes fall back to no namespace, `$ctx:`/`$trp:`/... are
 * Synapse variables. Parsed and checked once, when the sequence loads.
 */
export class XPathExpression implements Expression {
  readonly kind = 'xpath';
  private readonly ast: XPathAst;
  /** Whether evaluation needs the payload; when it does not, the payload stays unparsed. */
  readonly contentAware: boolean;
  private readonly mentionsNode: boolean;
  private readonly fast: FastXPath | undefined;

  /** `fastPath: false` keeps every evaluation on the library, for tests that compare both paths. */
  constructor(
    readonly source: string,
    private readonly namespaces: ReadonlyMap<string, string>,
    options: { fastPath?: boolean } = {},
  ) {
    let parsed: { expression: XPathAst };
    try {
      parsed = xpath.parse(source);
    } catch (err) {
      throw new ExpressionError(`invalid XPath "${source}": ${(err as Error).message}`);
    }
    this.ast = unwrapPrimary(parsed.expression);
    const facts = inspect(this.ast);
    this.check(facts);
    this.contentAware = facts.contentAware;
    this.mentionsNode = source.includes('node()');
    this.fast = options.fastPath === false ? undefined : compileFastPath(this.ast.expression, this.names());
  }

  /** Whether evaluation runs compiled closures rather than the library (xpath-fast-path.ts). */
  get fastPath(): boolean {
    return this.fast !== undefined;
  }

  private names(): FastPathNames {
    return {
      coreFunctionPrefix: (prefix) => isCoreNamespace(prefix === null ? '' : this.namespaceOf(prefix)),
      variable: (qname) => {
        const [prefix, local] = splitQName(qname);
        const synapsePrefix = prefix === null ? null : this.prefixOf(this.namespaceOf(prefix));
        // No Synapse prefix: $body, $header or $env, which read the payload.
        return synapsePrefix === null ? undefined : (mc) => resolveVariable(mc, synapsePrefix, local);
      },
    };
  }

  private check(facts: AstFacts): void {
    for (const qname of facts.functions) {
      const [prefix, local] = splitQName(qname);
      if (UNSUPPORTED_FUNCTIONS[local]) throw new ExpressionError(UNSUPPORTED_FUNCTIONS[local]);
      if (SYNAPSE.has(local)) continue;
      if (prefix === null || !this.namespaces.has(prefix)) {
        if (coreFunction(local) || JAXEN.has(local)) continue;
      }
      throw new ExpressionError(`unknown XPath function ${qname}() in "${this.source}"`);
    }
    for (const name of facts.prefixes) {
      if (!this.namespaces.has(name) && name !== 'xml') {
        throw new ExpressionError(`namespace prefix "${name}" is not declared (add xmlns:${name}="..." to the element)`);
      }
    }
    for (const qname of facts.variables) {
      const [prefix, local] = splitQName(qname);
      if (prefix === null && !['body', 'header', 'env'].includes(local)) {
        throw new ExpressionError(`unknown XPath variable $${qname} (Synapse knows $body, $header, $env and $ctx:, $trp:, $axis2:, $url:, ...)`);
      }
    }
  }

  /** The raw XPath result. */
  evaluate(mc: MessageContext): XValue {
    // Read before the try: a malformed payload is the payload's error (PayloadError), not the expression's.
    const contextNode = this.contentAware ? mc.payload.envelope().documentElement : DETACHED;
    try {
      return this.fast ? this.fast(mc) : this.ast.evaluate(this.context(mc, contextNode));
    } catch (err) {
      if (err instanceof ExpressionError) throw err;
      throw new ExpressionError(`evaluation of the XPath expression "${this.source}" resulted in an error: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  private context(mc: MessageContext, contextNode: unknown): XPathContextLike {
    const context = new xpath.XPathContext();
    context['mc'] = mc;
    context.expressionContextNode = contextNode;
    context.namespaceResolver = { getNamespace: (prefix) => this.namespaceOf(prefix) };
    context.functionResolver = functionResolver;
    context.variableResolver = {
      getVariable: (local, namespace) => resolveVariable(mc, this.prefixOf(namespace), local),
    };
    return context;
  }

  private namespaceOf(prefix: string): string {
    return prefix === 'xml' ? XML_NS : this.namespaces.get(prefix) ?? UNDECLARED + prefix;
  }

  private prefixOf(namespace: string): string | null {
    if (!namespace) return null;
    if (namespace.startsWith(UNDECLARED)) return namespace.slice(UNDECLARED.length);
    for (const [prefix, uri] of this.namespaces) if (uri === namespace) return prefix;
    return null;
  }

  /** Synapse's string value of the result (reference §3.2.2); null when the result stands for a Java null. */
  stringValue(mc: MessageContext): string | null {
    return stringValueOf(this.evaluate(mc), this.mentionsNode);
  }

  booleanValue(mc: MessageContext): boolean {
    return this.evaluate(mc).booleanValue();
  }

  /** The nodes selected, for mediators that move XML around (enrich, property type OM). */
  nodes(mc: MessageContext): Node[] {
    const result = this.evaluate(mc);
    if (isNodeSet(result)) return result.toArray() as unknown as Node[];
    return [];
  }

  rawValue(mc: MessageContext): unknown {
    const result = this.evaluate(mc);
    if (isNodeSet(result) && result.raw) return result.raw.value;
    return stringValueOf(result, this.mentionsNode);
  }
}

const functionResolver = {
  getFunction(local: string, namespace: string): XPathFunction | undefined {
    const synapse = SYNAPSE.get(local);
    if (synapse) return synapse;
    if (isCoreNamespace(namespace)) return coreFunction(local) ?? JAXEN.get(local);
    return undefined;
  },
};

function isCoreNamespace(namespace: string): boolean {
  return namespace === '' || namespace.startsWith(UNDECLARED);
}

function resolveVariable(mc: MessageContext, prefix: string | null, name: string): XValue {
  if (prefix === null) {
    const envelope = mc.payload.envelope();
    if (name === 'body') return nodeSet([bodyOf(envelope)]);
    if (name === 'header') {
      const header = headerOf(envelope, false);
      return nodeSet(header ? [header] : []);
    }
    if (name === 'env') return nodeSet([envelope.documentElement]);
    throw new ExpressionError(`unresolvable variable $${name}`);
  }
  switch (prefix) {
    case 'ctx':
      return toXValue(mc.properties.get(name));
    case 'axis2':
      return toXValue(lookupProperty(mc, 'axis2', name));
    case 'trp':
      return toXValue(lookupProperty(mc, 'transport', name));
    case 'operation':
      return toXValue(lookupProperty(mc, 'operation', name));
    case 'url':
      return new xpath.XString(queryParameter(mc.to, name));
    case 'func':
    case 'sys':
    case 'var':
      return new xpath.XString('');
  }
  const holder = mc.properties.get(prefix);
  if (holder instanceof Map) return toXValue(holder.get(name) === undefined ? null : String(holder.get(name)));
  throw new ExpressionError(`unresolvable variable $${prefix}:${name}`);
}

/** `$url:name`: a query parameter of the To address, matched case-insensitively, decoded, "" when missing. */
function queryParameter(to: string | null, name: string): string {
  if (!to) return '';
  const q = to.indexOf('?');
  if (q < 0) return '';
  const wanted = name.toLowerCase();
  for (const [k, v] of new URLSearchParams(to.slice(q + 1))) if (k.toLowerCase() === wanted) return v;
  return '';
}

/** WSO2 Synapse's stringValueOf (reference §3.2.2). */
export function stringValueOf(result: XValue, mentionsNode: boolean): string | null {
  if (isNodeSet(result)) {
    if (result.raw) {
      const raw = result.raw.value;
      return raw === null || raw === undefined ? null : Array.isArray(raw) ? raw.map(nodeString).join('') : nodeString(raw as Node);
    }
    const nodes = result.toArray() as unknown as Node[];
    if (nodes.length === 0) return '';
    if (nodes.length === 1 && nodes[0]!.nodeType === ELEMENT_NODE && !mentionsNode) {
      const text = directText(nodes[0] as Element).replace(/\u00A0/g, ' ').trim();
      return text || serializeXml(nodes[0]!);
    }
    return nodes.map(nodeString).join('');
  }
  const isNumber: boolean = result instanceof xpath.XNumber;
  return isNumber ? javaDoubleToString(result.numberValue()) : result.stringValue();
}

function nodeString(node: Node): string {
  switch (node.nodeType) {
    case ELEMENT_NODE:
      return serializeXml(node);
    case ATTRIBUTE_NODE:
      return (node as unknown as { value: string }).value;
    case DOCUMENT_NODE:
      return serializeXml((node as unknown as { documentElement: Node }).documentElement);
    default:
      return (node as unknown as { data?: string; nodeValue?: string }).data ?? node.nodeValue ?? '';
  }
}

function splitQName(qname: string): [string | null, string] {
  const i = qname.indexOf(':');
  return i < 0 ? [null, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

/**
 * The parser wraps a bare function call or variable in a path expression, whose evaluation copies a node-set
 * result into a new one: the mark of a null or raw property value (get-property, $ctx:) would be lost.
 */
function unwrapPrimary(ast: XPathAst): XPathAst {
  const root = ast as unknown as { expression: Record<string, unknown> };
  let e = root.expression;
  while (e['filter'] && !e['locationPath'] && !(e['filterPredicates'] as unknown[] | undefined)?.length) {
    e = e['filter'] as Record<string, unknown>;
  }
  root.expression = e;
  return ast;
}

/** Walks the parsed expression once to learn what it calls, reads and whether it touches the payload. */
function inspect(ast: unknown): AstFacts {
  const facts: AstFacts = { contentAware: false, functions: [], variables: [], prefixes: [] };
  const seen = new Set<unknown>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const n = node as Record<string, unknown>;
    if (typeof n['functionName'] === 'string') {
      const name = n['functionName'];
      facts.functions.push(name);
      const args = n['arguments'] as unknown[] | undefined;
      const local = splitQName(name)[1];
      if (ALWAYS_CONTEXT_FUNCTIONS.has(local) || (CONTEXT_FUNCTIONS.has(local) && (!args || args.length === 0))) {
        facts.contentAware = true;
      }
    }
    if (typeof n['variable'] === 'string') {
      const [prefix, local] = splitQName(n['variable']);
      facts.variables.push(n['variable']);
      if (prefix === null && ['body', 'header', 'env'].includes(local)) facts.contentAware = true;
    }
    if (n['steps'] !== undefined || n['locationPath']) facts.contentAware = true;
    const nodeTest = n['nodeTest'] as { prefix?: string | null } | undefined;
    if (nodeTest && typeof nodeTest.prefix === 'string') facts.prefixes.push(nodeTest.prefix);
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(walk);
      else walk(value);
    }
  };
  walk(ast);
  return facts;
}
