import type { Element } from '@xmldom/xmldom';
import type { SourceLocation } from './diagnostics.js';

export const SYNAPSE_NS = 'http://ws.apache.org/ns/synapse';

export interface ConfigAttribute {
  readonly name: string;
  readonly value: string;
  readonly loc: SourceLocation;
}

/**
 * One element of a configuration, the same whether it came from Synapse XML or from YAML: mediator factories
 * read these and never the raw formats, which is what makes the two formats one tree.
 */
export class ConfigNode {
  constructor(
    /** Local name of the element (`property`, `filter`, ...). */
    readonly name: string,
    /** Namespace URI; YAML elements are in the Synapse namespace. */
    readonly namespace: string | null,
    readonly loc: SourceLocation,
    readonly attributes: ReadonlyMap<string, ConfigAttribute>,
    readonly children: readonly ConfigNode[],
    /** The element's own text (text and CDATA children, concatenated, untrimmed). */
    readonly text: string,
    /** Namespace prefixes in scope at this element, for XPath expressions written on it. */
    readonly namespaces: ReadonlyMap<string, string>,
    readonly source: 'xml' | 'yaml',
    /** The XML element this node was read from (absent for YAML), for mediators whose content is literal XML. */
    readonly element?: Element,
  ) {}

  attr(name: string): string | undefined {
    return this.attributes.get(name)?.value;
  }

  /** Where an attribute is written, falling back to the element for attributes that are absent. */
  attrLoc(name: string): SourceLocation {
    return this.attributes.get(name)?.loc ?? this.loc;
  }

  child(name: string): ConfigNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  childrenNamed(name: string): ConfigNode[] {
    return this.children.filter((c) => c.name === name);
  }

  get isSynapse(): boolean {
    return this.namespace === SYNAPSE_NS;
  }

  /** `<name>` with its prefix-free name, for messages. */
  get tag(): string {
    return `<${this.name}>`;
  }
}
