import xpathModule from 'xpath';

/**
 * The parts of the `xpath` package (an XPath 1.0 engine) that its type declarations do not describe: the
 * parsed AST, the evaluation context and the XPath value classes. Kept in one place so that the rest of the
 * engine is typed.
 */
export interface XValue {
  stringValue(): string;
  numberValue(): number;
  booleanValue(): boolean;
}
export interface XNodeSetValue extends XValue {
  toArray(): Node[];
  size: number;
  add(n: unknown): void;
  addArray(nodes: unknown[]): void;
  /** Mediate's mark on a node-set that stands for a Java null or a raw property value (see stringValueOf). */
  raw?: { value: unknown };
}
export interface XPathAst {
  evaluate(context: XPathContextLike): XValue;
}
export interface XPathContextLike {
  expressionContextNode: unknown;
  namespaceResolver: { getNamespace(prefix: string, node: unknown): string | null };
  functionResolver: { getFunction(localName: string, namespace: string): XPathFunction | undefined; thisArg?: unknown };
  variableResolver: { getVariable(localName: string, namespace: string): XValue | null };
  [extra: string]: unknown;
}
/** A function as the engine calls it: the context, then the unevaluated argument expressions. */
export type XPathFunction = (context: XPathContextLike, ...args: Array<{ evaluate(c: XPathContextLike): XValue }>) => XValue;

interface XPathModule {
  parse(expression: string): { expression: XPathAst };
  XPathContext: new () => XPathContextLike;
  XNodeSet: new () => XNodeSetValue;
  XString: new (s: string) => XValue;
  XNumber: new (n: number) => XValue;
  XBoolean: new (b: boolean) => XValue;
  FunctionResolver: new () => { functions: Record<string, XPathFunction>; thisArg: unknown };
}

export const xpath = xpathModule as unknown as XPathModule;

/** The XPath 1.0 core functions, keyed by local name. */
export const coreFunctions: { functions: Record<string, XPathFunction>; thisArg: unknown } = new xpath.FunctionResolver();

export function coreFunction(name: string): XPathFunction | undefined {
  return coreFunctions.functions[`{}${name}`];
}

export function nodeSet(nodes: unknown[]): XNodeSetValue {
  const set = new xpath.XNodeSet();
  set.addArray(nodes);
  return set;
}

/** A node-set that carries a raw value (a null, an element, a typed number) for the top-level string value. */
export function rawNodeSet(value: unknown, nodes: unknown[] = []): XNodeSetValue {
  const set = nodeSet(nodes);
  set.raw = { value };
  return set;
}

export function isNodeSet(v: XValue): v is XNodeSetValue {
  return v instanceof xpath.XNodeSet;
}
