import { ConfigNode, SYNAPSE_NS } from '../config/config-node.js';
import type { Diagnostics } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import { MediateError } from '../errors.js';
import { compileDynamic, type DynamicValue } from '../expression/dynamic-value.js';
import { compileExpression, type Expression } from '../expression/expression.js';
import type { CompileContext, Mediator, MediatorRegistry } from '../mediator.js';
import type { ArtifactLookup } from '../runtime.js';
import { UNSUPPORTED_MEDIATORS } from './unsupported.js';

/** Attributes every mediator accepts (reference §1.1). */
const COMMON_ATTRIBUTES = new Set(['description', 'trace', 'statistics']);

/**
 * Compiles configuration elements into mediators through the registered definitions, checking what every
 * mediator has in common (namespace, known name, attributes) so that definitions only check their own rules.
 */
export class Compiler implements CompileContext {
  private readonly checks: Array<() => void> = [];

  constructor(
    readonly mediatorTypes: MediatorRegistry,
    readonly diagnostics: Diagnostics,
    readonly artifacts: ArtifactLookup,
  ) {}

  mediators(nodes: readonly ConfigNode[]): Mediator[] {
    const out: Mediator[] = [];
    for (const node of nodes) {
      if (node.name === 'description' && node.isSynapse) continue;
      const m = this.mediator(node);
      if (m) out.push(m);
    }
    return out;
  }

  mediator(node: ConfigNode): Mediator | undefined {
    if (node.namespace !== SYNAPSE_NS) {
      const ns = node.namespace ? `namespace "${node.namespace}"` : 'no namespace';
      this.diagnostics.error(node.loc, `<${node.name}> is in ${ns}, not in the Synapse namespace ${SYNAPSE_NS}, so it is not a mediator`);
      return undefined;
    }
    const definition = this.mediatorTypes.get(node.name);
    if (!definition) {
      if (UNSUPPORTED_MEDIATORS.has(node.name)) this.diagnostics.error(node.loc, `unsupported mediator <${node.name}>`);
      else this.diagnostics.error(node.loc, `unknown mediator <${node.name}>${didYouMean(node.name, this.mediatorTypes.names())}`);
      return undefined;
    }
    if (definition.attributes) {
      for (const attr of node.attributes.values()) {
        if (COMMON_ATTRIBUTES.has(attr.name) || attr.name in definition.attributes) continue;
        const message = `<${node.name}> has no attribute "${attr.name}"${didYouMean(attr.name, Object.keys(definition.attributes))}`;
        if (node.source === 'yaml') this.diagnostics.error(attr.loc, message);
        else this.diagnostics.warn(attr.loc, `${message}; Synapse ignores it`);
      }
      for (const [name, spec] of Object.entries(definition.attributes)) {
        const value = node.attr(name);
        if (value === undefined) {
          if (spec.required) this.diagnostics.error(node.loc, `<${node.name}> needs the attribute "${name}"`);
        } else if (spec.values && !spec.values.includes(value)) {
          this.diagnostics.error(node.attrLoc(name), `<${node.name}> ${name}="${value}" is not one of ${spec.values.join(', ')}`);
        }
      }
    }
    try {
      return definition.compile(node, this);
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      this.diagnostics.error(node.loc, err.message);
      return undefined;
    }
  }

  expression(node: ConfigNode, attribute: string, text?: string): Expression | undefined {
    const source = text ?? node.attr(attribute);
    if (source === undefined) return undefined;
    try {
      return compileExpression(source, node.namespaces);
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      this.diagnostics.error(node.attrLoc(attribute), `${attribute}: ${err.message}`);
      return undefined;
    }
  }

  dynamic(node: ConfigNode, attribute: string): DynamicValue | undefined {
    const source = node.attr(attribute);
    if (source === undefined) return undefined;
    try {
      return compileDynamic(source, node.namespaces);
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      this.diagnostics.error(node.attrLoc(attribute), `${attribute}: ${err.message}`);
      return undefined;
    }
  }

  afterLoad(check: () => void): void {
    this.checks.push(check);
  }

  /** Runs the checks mediators registered for after everything is loaded (unresolved keys and the like). */
  runAfterLoadChecks(): void {
    for (const check of this.checks.splice(0)) check();
  }
}
