import type { ConfigNode } from './config/config-node.js';
import type { Diagnostics, SourceLocation } from './config/diagnostics.js';
import type { DynamicValue } from './expression/dynamic-value.js';
import type { Expression } from './expression/expression.js';
import type { MessageContext } from './message/message-context.js';
import type { ArtifactLookup } from './runtime.js';

/**
 * A compiled mediator. `mediate` returns true to let the flow go on, false when this message's flow through
 * the current path is finished (sent, responded, dropped): Synapse's contract (reference §1.3). Errors are
 * thrown and reach the fault flow.
 */
export interface Mediator {
  /** The element name (`property`, `filter`, ...), for traces and errors. */
  readonly name: string;
  readonly loc: SourceLocation;
  mediate(mc: MessageContext): boolean | Promise<boolean>;
}

/** An attribute a mediator accepts. `values` restricts it to a fixed set. */
export interface AttributeSpec {
  readonly required?: boolean;
  readonly values?: readonly string[];
}

/**
 * A mediator plug-in: how to compile one configuration element into a Mediator. The built-in mediators and a
 * user's own (named in gateway.yaml `plugins`) are registered the same way; the interpreter knows none by name.
 */
export interface MediatorDefinition {
  /** The element's local name in the Synapse namespace. */
  readonly name: string;
  /**
   * Attributes the element takes, besides description/trace/statistics which every mediator accepts. Others
   * are warned about (XML: Synapse ignores them) or refused (YAML). Omit to accept anything.
   */
  readonly attributes?: Readonly<Record<string, AttributeSpec>>;
  compile(node: ConfigNode, cx: CompileContext): Mediator;
}

/** What a mediator's compile step can use: error reporting and the compilers for what it contains. */
export interface CompileContext {
  readonly diagnostics: Diagnostics;
  /** The configuration being loaded, for after-load checks that keys resolve. */
  readonly artifacts: ArtifactLookup;
  /** Compiles an expression written in `attribute` of `node` (or `text` given explicitly); errors are reported there. */
  expression(node: ConfigNode, attribute: string, text?: string): Expression | undefined;
  /** A `{...}`-or-literal attribute (keys, names). */
  dynamic(node: ConfigNode, attribute: string): DynamicValue | undefined;
  /** Compiles child elements as a mediator list (a sequence body, a filter branch, ...). */
  mediators(nodes: readonly ConfigNode[]): Mediator[];
  /** Compiles one child element as a mediator. */
  mediator(node: ConfigNode): Mediator | undefined;
  /** Registers a check that runs once everything is loaded (for example that a referenced key exists). */
  afterLoad(check: () => void): void;
}

/** Mediator definitions by element name. */
export class MediatorRegistry {
  private readonly definitions = new Map<string, MediatorDefinition>();

  register(definition: MediatorDefinition): this {
    if (this.definitions.has(definition.name)) throw new Error(`a mediator named "${definition.name}" is already registered`);
    this.definitions.set(definition.name, definition);
    return this;
  }

  get(name: string): MediatorDefinition | undefined {
    return this.definitions.get(name);
  }

  names(): string[] {
    return [...this.definitions.keys()];
  }
}
