import type { Element } from '@xmldom/xmldom';
import type { ConfigNode } from '../engine/config/config-node.js';
import { MediationError } from '../engine/errors.js';
import { resolveDynamic, type DynamicValue } from '../engine/expression/dynamic-value.js';
import type { Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import { WRITABLE_SCOPES, type MessageContext, type WritableScope } from '../engine/message/message-context.js';
import { convertValue, PROPERTY_TYPES, stringOf, type PropertyType } from '../engine/message/typed-value.js';
import { MediateError } from '../engine/errors.js';
import { firstChildElement } from '../engine/xml/dom.js';
import { fullMatchRegex } from './support/regex.js';

const SCOPES = [...WRITABLE_SCOPES, 'registry', 'system', 'trace', 'analytics'] as const;
type Scope = (typeof SCOPES)[number];

/** Where the value of a `set` comes from. */
type Source =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'element'; readonly element: Element }
  | { readonly kind: 'expression'; readonly expression: Expression };

/**
 * `<property>` (reference §2.1): sets or removes a property in a scope, from a literal, an inline XML child or
 * an expression, converted to `type`, optionally cut down by `pattern`/`group`. Registry writes go through
 * the runtime's registry (reference §4.4).
 */
export class PropertyMediator implements Mediator {
  readonly name = 'property';

  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly propertyName: DynamicValue,
    private readonly scope: Scope,
    private readonly action: 'set' | 'remove',
    private readonly type: PropertyType | undefined,
    private readonly source: Source | undefined,
    private readonly pattern: RegExp | undefined,
    private readonly group: number,
  ) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const name = resolveDynamic(this.propertyName, mc);
    if (!name) {
      mc.runtime.logger.log('warn', `property at ${this.loc.file}:${this.loc.line}: the dynamic name evaluated to nothing`);
      return true;
    }
    if (this.action === 'remove') {
      if (isWritable(this.scope)) mc.removeProperty(this.scope, name);
      return true;
    }
    const value = this.value(mc, name);
    if (this.scope === 'registry') return this.writeRegistry(mc, name, value);
    if (isWritable(this.scope)) mc.setProperty(this.scope, name, value);
    return true;
  }

  private value(mc: MessageContext, name: string): unknown {
    const source = this.source!;
    let value: unknown;
    if (source.kind === 'literal') value = source.value;
    else if (source.kind === 'element') value = source.element.cloneNode(true);
    else {
      const text = source.expression.stringValue(mc);
      value = this.type && this.type !== 'STRING' ? convertValue(text, this.type, name) : text;
    }
    if (this.pattern && typeof value === 'string') {
      const m = this.pattern.exec(value);
      value = m && this.group < m.length ? (m[this.group] ?? '') : '';
    }
    return value;
  }

  private async writeRegistry(mc: MessageContext, key: string, value: unknown): Promise<boolean> {
    const registry = mc.runtime.registry;
    if (!registry) throw new MediationError(`cannot write registry key "${key}": no registry is configured`);
    if (value === null || value === undefined) throw new MediationError(`cannot write registry key "${key}": the value is null`);
    const at = key.indexOf('@');
    if (at >= 0) await registry.write(key.slice(0, at), stringOf(value), key.slice(at + 1));
    else await registry.write(key, stringOf(value));
    return true;
  }
}

function isWritable(scope: Scope): scope is WritableScope {
  return (WRITABLE_SCOPES as readonly string[]).includes(scope);
}

export const property: MediatorDefinition = {
  name: 'property',
  attributes: {
    name: { required: true },
    action: {},
    type: { values: PROPERTY_TYPES },
    value: {},
    expression: {},
    scope: { values: SCOPES },
    pattern: {},
    group: {},
  },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const nameText = node.attr('name') ?? '';
    if (nameText.trim() === '') cx.diagnostics.error(node.attrLoc('name'), '<property> needs a non-empty name');
    const propertyName = cx.dynamic(node, 'name') ?? { literal: nameText };
    const scope = (node.attr('scope') ?? 'default') as Scope;
    const action = node.attr('action') === 'remove' ? 'remove' : 'set';
    const type = node.attr('type') as PropertyType | undefined;
    const pattern = fullMatchRegex(node, 'pattern', cx);
    const groupText = node.attr('group');
    let group = 0;
    if (groupText !== undefined) {
      group = Number(groupText);
      if (pattern === undefined && node.attr('pattern') === undefined) cx.diagnostics.error(node.attrLoc('group'), 'group needs a pattern');
      else if (!Number.isInteger(group) || group < 0) cx.diagnostics.error(node.attrLoc('group'), `group must be a whole number ≥ 0, not "${groupText}"`);
    }
    let source: Source | undefined;
    if (action === 'set') source = compileSource(node, cx, type, nameText);
    return new PropertyMediator(node.loc, propertyName, scope, action, type, source, pattern, group);
  },
};

/** value > inline child element > expression, the precedence Synapse uses (reference §2.1). */
function compileSource(node: ConfigNode, cx: CompileContext, type: PropertyType | undefined, name: string): Source | undefined {
  const value = node.attr('value');
  if (value !== undefined) {
    if (!type || type === 'STRING') return { kind: 'literal', value };
    try {
      return { kind: 'literal', value: convertValue(value, type, name) };
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      cx.diagnostics.error(node.attrLoc('value'), err.message);
      return undefined;
    }
  }
  const child = node.element ? firstChildElement(node.element) : null;
  if (child) return { kind: 'element', element: child };
  if (node.attr('expression') !== undefined) {
    const expression = cx.expression(node, 'expression');
    return expression ? { kind: 'expression', expression } : undefined;
  }
  cx.diagnostics.error(node.loc, `<property name="${name}"> needs value, expression or an inline XML child`);
  return undefined;
}
