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

/** An API's uploaded flows, as one request runs them. */
export type UploadedFlows = { readonly [F in FlowName]?: FaultHandler };

const NONE: UploadedFlows = {};

/** Stands for a flow that cannot be run, so that the failure is a fault of the request that needs it. */
function failing(error: MediationError): FaultHandler {
  return {
    mediate() {
      throw error;
    },
  };
}

interface CachedFlows {
  readonly keys: readonly string[];
  texts: ReadonlyArray<string | null>;
  flows: UploadedFlows;
}

/**
 * The flows uploaded to the registry, compiled once per version of their text: each request reads the API's
 * three flow keys once (registry reads are served from the store's cache) so that an upload takes effect from
 * the next request, and requests already running keep the sequences they started with.
 */
export class FlowCache {
  private readonly perApi = new WeakMap<Api, CachedFlows>();

  constructor(private readonly mediators: MediatorRegistry) {}

  /** The API's uploaded flows now; a flow that cannot be read or compiled faults the request that runs it. */
  of(api: Api, registry: MediationRegistry | undefined, artifacts: ArtifactLookup): UploadedFlows {
    if (!registry) return NONE;
    let cached = this.perApi.get(api);
    if (!cached) {
      cached = { keys: FLOWS.map((flow) => flowKey(api.name, api.version, flow)), texts: [], flows: NONE };
      this.perApi.set(api, cached);
    }
    let texts: Array<string | null>;
    try {
      texts = cached.keys.map((key) => registry.readText(key));
    } catch (err) {
      return { in: failing(err instanceof MediationError ? err : new MediationError(`the uploaded flows of ${api.name} cannot be read`, undefined, { cause: err })) };
    }
    // Registry reads hand out the same string while the resource is unchanged, so this is mostly pointer equality.
    if (texts.every((text, i) => text === cached.texts[i])) return cached.flows;
    const flows: { [F in FlowName]?: FaultHandler } = {};
    let broken = false;
    FLOWS.forEach((flow, i) => {
      const text = texts[i];
      if (text === null || text === undefined || text === '') return;
      const format = text.trimStart().startsWith('<') ? 'xml' : 'yaml';
      const result = compileFlow(text, flowFileName(api.name, flow, format), this.mediators, artifacts);
      if (result.sequence) flows[flow] = result.sequence;
      else {
        broken = true;
        flows[flow] = failing(new MediationError(`the uploaded ${flow} flow of ${api.name} does not compile: ${result.diagnostics.errors.map(formatDiagnostic).join('; ')}`));
      }
    });
    // A broken upload is compiled again by the next request, so that it is reported every time, not once.
    if (!broken) Object.assign(cached, { texts, flows });
    return flows;
  }
}
