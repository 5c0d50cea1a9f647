import type { MessageContext } from '../message/message-context.js';
import { JAXEN_FUNCTIONS, SYNAPSE_FUNCTIONS, type StringFunction } from './xpath-functions.js';
import {
  compareXValues,
  coreFunction,
  isNodeSet,
  isPlainString,
  xpath,
  xpathNumber,
  xpathNumberText,
  type BinaryNode,
  type FunctionCallNode,
  type XComparison,
  type XValue,
} from './xpath-lib.js';

/** An expression compiled into a closure: the XValue the library's evaluation would give. */
export type FastXPath = (mc: MessageContext) => XValue;

/** How the expression resolves names; the fast path must resolve them exactly as the library evaluation does. */
export interface FastPathNames {
  /** Whether `prefix:name()` (prefix null when there is none) may be a core or Jaxen function. */
  coreFunctionPrefix(prefix: string | null): boolean;
  /** Reads `$qname` the way evaluation does; undefined for a variable that reads the payload. */
  variable(qname: string): FastXPath | undefined;
}

/**
 * Strings, numbers and booleans as plain JS values. What a lookup returns that is none of these (a typed number,
 * which keeps its Java text but has its own number; a node-set standing for null or XML) stays the library's
 * XValue, so that its own conversions and comparisons apply to it.
 */
type Value = string | number | boolean | XValue;
type Compiled = (mc: MessageContext) => Value;

/**
 * Compiles the common Synapse forms (lookups, literals, concat, comparisons, arithmetic, and/or, boolean(),
 * string(), number(), not()) when the sequence loads; undefined when any part of the expression needs the library.
 * The library evaluates through a new XPathContext, with a new function table, per primary expression, which
 * costs more than the property lookups themselves.
 */
export function compileFastPath(ast: object, names: FastPathNames): FastXPath | undefined {
  // A top-level lookup keeps its own XValue: a null or a property's raw object is marked on it (rawValue).
  const lookup = compileLookup(ast, names);
  if (lookup) return lookup;
  const compiled = compile(ast, names);
  return compiled && ((mc) => toXValue(compiled(mc)));
}

function compile(node: object, names: FastPathNames): Compiled | undefined {
  if (node instanceof xpath.PathExpr) {
    // The parser wraps each primary expression in a path; with no step or predicate it is its filter's value
    // (the library copies a node-set there, dropping only the raw mark, which matters at the top level alone).
    if (!node.filter || node.locationPath || node.filterPredicates?.length) return undefined;
    return compile(node.filter, names);
  }
  if (node instanceof xpath.XString || node instanceof xpath.XNumber) {
    const literal = fromXValue(node);
    return () => literal;
  }
  if (node instanceof xpath.UnaryMinusOperation) {
    const operand = compile(node.rhs, names);
    return operand && ((mc) => -toNumber(operand(mc)));
  }
  if (node instanceof xpath.OrOperation || node instanceof xpath.AndOperation) {
    const lhs = compile(node.lhs, names);
    const rhs = compile(node.rhs, names);
    if (!lhs || !rhs) return undefined;
    return node instanceof xpath.OrOperation
      ? (mc) => toBoolean(lhs(mc)) || toBoolean(rhs(mc))
      : (mc) => toBoolean(lhs(mc)) && toBoolean(rhs(mc));
  }
  const operator = BINARY.get(node.constructor);
  if (operator) {
    const { lhs: l, rhs: r } = node as BinaryNode;
    const lhs = compile(l, names);
    const rhs = compile(r, names);
    return lhs && rhs && ((mc) => operator(lhs(mc), rhs(mc)));
  }
  const lookup = compileLookup(node, names);
  if (lookup) return (mc) => fromXValue(lookup(mc));
  if (!(node instanceof xpath.FunctionCall)) return undefined;
  const core = resolveFunction(node, names);
  const build = typeof core === 'string' ? CORE_FUNCTIONS.get(core) : undefined;
  const args = build && compileAll(node.arguments, names);
  return build && args && build(args);
}

/** Variables and calls of Synapse and Jaxen functions: their value is an XValue made by their own code. */
function compileLookup(node: object, names: FastPathNames): FastXPath | undefined {
  if (node instanceof xpath.VariableReference) return names.variable(node.variable);
  if (!(node instanceof xpath.FunctionCall)) return undefined;
  const f = resolveFunction(node, names);
  if (typeof f !== 'object' || node.arguments.length < f.arity[0] || node.arguments.length > f.arity[1]) return undefined;
  const args = compileAll(node.arguments, names);
  return args && ((mc) => f.call(mc, args.map((a) => toText(a(mc)))));
}

function compileAll(nodes: object[], names: FastPathNames): Compiled[] | undefined {
  const compiled: Compiled[] = [];
  for (const node of nodes) {
    const c = compile(node, names);
    if (!c) return undefined;
    compiled.push(c);
  }
  return compiled;
}

/**
 * What a call resolves to, in the order of the library path's function resolver: a Synapse function by local
 * name whatever the prefix, else (no prefix or an undeclared one) a core function, named by its local name, or
 * a Jaxen one.
 */
function resolveFunction(node: FunctionCallNode, names: FastPathNames): StringFunction | string | undefined {
  const colon = node.functionName.indexOf(':');
  const prefix = colon < 0 ? null : node.functionName.slice(0, colon);
  const local = node.functionName.slice(colon + 1);
  if (Object.hasOwn(SYNAPSE_FUNCTIONS, local)) return SYNAPSE_FUNCTIONS[local];
  if (!names.coreFunctionPrefix(prefix)) return undefined;
  if (coreFunction(local)) return local;
  return Object.hasOwn(JAXEN_FUNCTIONS, local) ? JAXEN_FUNCTIONS[local] : undefined;
}

/** The core functions of the fast path, with the library's arities (other arities fail there, at evaluation). */
const CORE_FUNCTIONS = new Map<string, (args: Compiled[]) => Compiled | undefined>([
  ['concat', (args) => (args.length >= 2 ? (mc) => args.map((a) => toText(a(mc))).join('') : undefined)],
  // The library's XString.string() is the value itself, so string() of a typed number stays typed.
  ['string', unary((v) => (typeof v === 'object' && !isNodeSet(v) ? v : toText(v)))],
  ['number', unary(toNumber)],
  ['boolean', unary(toBoolean)],
  ['not', unary((v) => !toBoolean(v))],
  ['true', (args) => (args.length === 0 ? () => true : undefined)],
  ['false', (args) => (args.length === 0 ? () => false : undefined)],
]);

function unary(f: (v: Value) => Value): (args: Compiled[]) => Compiled | undefined {
  return (args) => {
    const [arg] = args;
    return args.length === 1 && arg ? (mc) => f(arg(mc)) : undefined;
  };
}

const BINARY = new Map<unknown, (l: Value, r: Value) => Value>([
  [xpath.EqualsOperation, (l, r) => compare('equals', l, r)],
  [xpath.NotEqualOperation, (l, r) => compare('notequal', l, r)],
  [xpath.LessThanOperation, (l, r) => compare('lessthan', l, r)],
  [xpath.GreaterThanOperation, (l, r) => compare('greaterthan', l, r)],
  [xpath.LessThanOrEqualOperation, (l, r) => compare('lessthanorequal', l, r)],
  [xpath.GreaterThanOrEqualOperation, (l, r) => compare('greaterthanorequal', l, r)],
  [xpath.PlusOperation, (l, r) => toNumber(l) + toNumber(r)],
  [xpath.MinusOperation, (l, r) => toNumber(l) - toNumber(r)],
  [xpath.MultiplyOperation, (l, r) => toNumber(l) * toNumber(r)],
  [xpath.DivOperation, (l, r) => toNumber(l) / toNumber(r)],
  [xpath.ModOperation, (l, r) => toNumber(l) % toNumber(r)],
]);

/** XPath 1.0 §3.4 between strings, numbers and booleans; the library decides as soon as another value is involved. */
function compare(op: XComparison, l: Value, r: Value): boolean {
  if (typeof l === 'object' || typeof r === 'object') return compareXValues(op, toXValue(l), toXValue(r));
  switch (op) {
    case 'equals':
      return equal(l, r);
    case 'notequal':
      return !equal(l, r);
    case 'lessthan':
      return toNumber(l) < toNumber(r);
    case 'greaterthan':
      return toNumber(l) > toNumber(r);
    case 'lessthanorequal':
      return toNumber(l) <= toNumber(r);
    case 'greaterthanorequal':
      return toNumber(l) >= toNumber(r);
  }
}

function equal(l: string | number | boolean, r: string | number | boolean): boolean {
  if (typeof l === 'boolean' || typeof r === 'boolean') return toBoolean(l) === toBoolean(r);
  if (typeof l === 'number' || typeof r === 'number') return toNumber(l) === toNumber(r);
  return l === r;
}

function toText(v: Value): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return xpathNumberText(v);
    case 'boolean':
      return String(v);
    default:
      return v.stringValue();
  }
}

function toNumber(v: Value): number {
  switch (typeof v) {
    case 'string':
      return xpathNumber(v);
    case 'number':
      return v;
    case 'boolean':
      return Number(v);
    default:
      return v.numberValue();
  }
}

function toBoolean(v: Value): boolean {
  switch (typeof v) {
    case 'string':
      return v !== '';
    case 'number':
      return Boolean(v);
    case 'boolean':
      return v;
    default:
      return v.booleanValue();
  }
}

function toXValue(v: Value): XValue {
  switch (typeof v) {
    case 'string':
      return new xpath.XString(v);
    case 'number':
      return new xpath.XNumber(v);
    case 'boolean':
      return new xpath.XBoolean(v);
    default:
      return v;
  }
}

function fromXValue(x: XValue): Value {
  if (isPlainString(x)) return x.stringValue();
  if (x instanceof xpath.XNumber) return x.numberValue();
  if (x instanceof xpath.XBoolean) return x.booleanValue();
  return x;
}
