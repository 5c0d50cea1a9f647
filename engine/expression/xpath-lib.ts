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
/** The value classes, told apart by their fields so that `instanceof` narrows to them. */
export interface XStringValue extends XValue {
  readonly str: string;
}
export interface XNumberValue extends XValue {
  readonly num: number;
}
export interface XBooleanValue extends XValue {
  readonly b: boolean;
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
  readonly expression: object;
  evaluate(context: XPathContextLike): XValue;
}
/** Nodes of the parsed expression, as the fast path reads them (see xpath-fast-path.ts). */
export interface PathExprNode {
  filter?: object;
  filterPredicates?: unknown[];
  locationPath?: unknown;
}
export interface FunctionCallNode {
  functionName: string;
  arguments: object[];
}
export interface VariableReferenceNode {
  variable: string;
}
export interface UnaryNode {
  rhs: object;
}
export interface BinaryNode {
  lhs: object;
  rhs: object;
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
  XString: new (s: string) => XStringValue;
  XNumber: new (n: number | string) => XNumberValue;
  XBoolean: new (b: boolean) => XBooleanValue;
  PathExpr: new () => PathExprNode;
  FunctionCall: new () => FunctionCallNode;
  VariableReference: new () => VariableReferenceNode;
  UnaryMinusOperation: new () => UnaryNode;
  OrOperation: new () => BinaryNode;
  AndOperation: new () => BinaryNode;
  EqualsOperation: new () => BinaryNode;
  NotEqualOperation: new () => BinaryNode;
  LessThanOperation: new () => BinaryNode;
  GreaterThanOperation: new () => BinaryNode;
  LessThanOrEqualOperation: new () => BinaryNode;
  GreaterThanOrEqualOperation: new () => BinaryNode;
  PlusOperation: new () => BinaryNode;
  MinusOperation: new () => BinaryNode;
  MultiplyOperation: new () => BinaryNode;
  DivOperation: new () => BinaryNode;
  ModOperation: new () => BinaryNode;
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

/** The library's comparison methods, named as it names them. */
export type XComparison = 'equals' | 'notequal' | 'lessthan' | 'greaterthan' | 'lessthanorequal' | 'greaterthanorequal';

/** Compares two values with the library's own rules, node-sets included. */
export function compareXValues(op: XComparison, l: XValue, r: XValue): boolean {
  return (l as unknown as Record<XComparison, (r: XValue) => XValue>)[op](r).booleanValue();
}

/** XPath's string-to-number conversion as the library does it: no exponent, no Infinity, NaN for anything else. */
export function xpathNumber(text: string): number {
  return new xpath.XNumber(text).numberValue();
}

/** XPath's number-to-string conversion inside an expression (a result is printed the Java way instead). */
export function xpathNumberText(n: number): string {
  return new xpath.XNumber(n).stringValue();
}

const PLAIN_STRING_NUMBER = (xpath.XString.prototype as unknown as { number: unknown }).number;

/** Whether a string value converts to a number by XPath's rules; a typed property's number is its own. */
export function isPlainString(v: XValue): v is XStringValue {
  return v instanceof xpath.XString && (v as unknown as { number: unknown }).number === PLAIN_STRING_NUMBER;
}
