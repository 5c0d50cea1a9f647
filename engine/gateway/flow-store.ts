import { createHash } from 'node:crypto';
import type { Api } from '../api/api.js';
import { Diagnostics, formatDiagnostic } from '../config/diagnostics.js';
import { MediationError } from '../errors.js';
import { ConfigLoader, parseConfigText } from '../loader/loader.js';
import type { MediatorRegistry } from '../mediator.js';
import type { FaultHandler } from '../message/message-context.js';
import type { ArtifactLookup, MediationRegistry } from '../runtime.js';
import type { Sequence } from '../sequence.js';

export const FLOWS = ['in', 'out', 'fault'] as const;
export type FlowName = (typeof FLOWS)[number];

/**
 * Where an uploaded flow lives: the API manager keeps per-API mediation under the API's area of the
 * governance registry (reference §4.6), so Mediate uses the same shape:
 * gov:/apimgt/applicationdata/provider/admin/<API>/<version>/<flow>.
 */
export function flowKey(apiName: string, version: string | undefined, flow: FlowName): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `gov:/apimgt/applicationdata/provider/admin/${safe(apiName)}/${safe(version ?? '_')}/${flow}`;
}

/** The file name an uploaded flow is validated under, so errors read `<API>--In.xml:3:5: ...`. */
export function flowFileName(api: string, flow: FlowName, format: 'xml' | 'yaml'): string {
  return `${api}--${flow[0]!.toUpperCase()}${flow.slice(1)}.${format}`;
}

/**
 * Compiles a flow's text (one `<sequence>`, XML or YAML) against a configuration, so that its keys resolve.
 * Returns the sequence, or the diagnostics that refuse it.
 */
export function compileFlow(
  text: string,
  file: string,
  mediators: MediatorRegistry,
  artifacts: ArtifactLookup,
): { sequence: Sequence; diagnostics: Diagnostics } | { sequence: undefined; diagnostics: Diagnostics } {
  const loader = new ConfigLoader(mediators, artifacts);
  const root = parseConfigText(text, file, loader.diagnostics);
  if (root && (root.name !== 'sequence' || root.namespace !== 'http://ws.apache.org/ns/synapse')) {
    loader.diagnostics.error(root.loc, `a flow is one <sequence>, not <${root.name}>`);
  } else if (root) loader.loadArtifact(root, true);
  const { configuration, diagnostics } = loader.finish();
  const sequence = [...configuration.sequences.values()][0]?.value;
  if (diagnostics.errors.length > 0 || !sequence) return { sequence: undefined, diagnostics };
  return { sequence, diagnostics };
}

/**
 * The flows uploaded to the registry, compiled once per version of their text: each request looks the flow up
 * (a cached registry read) so that an upload takes effect from the next request, and requests already running
 * keep the sequence they started with.
 */
export class FlowCache {
  private readonly compiled = new Map<string, { hash: string; sequence: Sequence }>();

  constructor(private readonly mediators: MediatorRegistry) {}

  uploaded(api: Api, flow: FlowName, registry: MediationRegistry | undefined, artifacts: ArtifactLookup): FaultHandler | undefined {
    if (!registry) return undefined;
    const key = flowKey(api.name, api.version, flow);
    const text = registry.readText(key);
    if (text === null || text === '') return undefined;
    const hash = createHash('sha256').update(text).digest('hex');
    const cached = this.compiled.get(key);
    if (cached?.hash === hash) return cached.sequence;
    const format = text.trimStart().startsWith('<') ? 'xml' : 'yaml';
    const result = compileFlow(text, flowFileName(api.name, flow, format), this.mediators, artifacts);
    if (!result.sequence) {
      throw new MediationError(`the uploaded ${flow} flow of ${api.name} does not compile: ${result.diagnostics.errors.map(formatDiagnostic).join('; ')}`);
    }
    this.compiled.set(key, { hash, sequence: result.sequence });
    return result.sequence;
  }
}
