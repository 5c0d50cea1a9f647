import type { Api, Dispatch, FlowRef, Resource } from '../api/api.js';
import { takeResponse } from '../endpoint/exchange.js';
import { MediationError } from '../errors.js';
import { runFlow } from '../interpreter.js';
import { Axis2, type FaultHandler, type MessageContext } from '../message/message-context.js';
import type { ArtifactLookup } from '../runtime.js';
import type { FlowName, UploadedFlows } from './flow-store.js';

/** The global fault sequence a resource without its own falls back to (reference §1.3). */
const GLOBAL_FAULT = 'fault';

/** Sets what API processing sets before any flow runs (reference §6.3 steps 3 and 8). */
export function setApiProperties(mc: MessageContext, d: Extract<Dispatch, { kind: 'resource' }>, fullPath: string, urlPrefix: string): void {
  const { api, resource } = d;
  const p = mc.properties;
  p.set('SYNAPSE_REST_API', api.runtimeName);
  if (api.version) p.set('SYNAPSE_REST_API_VERSION', api.version);
  p.set('REST_API_CONTEXT', api.context);
  p.set('SYNAPSE_REST_API_VERSION_STRATEGY', api.versionType);
  p.set('REST_FULL_REQUEST_PATH', fullPath);
  p.set('REST_SUB_REQUEST_PATH', d.postfix.split('?')[0] || '/');
  p.set('REST_URL_PREFIX', urlPrefix);
  p.set('SYNAPSE_RESOURCE', resource.pattern || 'default');
  p.set('rest.url.pattern', resource.pattern);
  p.set('REST_METHOD', String(mc.axis2.get(Axis2.HTTP_METHOD) ?? ''));
  mc.axis2.set(Axis2.REST_URL_POSTFIX, d.postfix);
  for (const [name, value] of Object.entries(d.variables)) p.set(`uri.var.${name}`, value);
  const q = fullPath.indexOf('?');
  if (q >= 0) for (const [name, value] of queryParameters(fullPath.slice(q + 1))) p.set(`query.param.${name}`, value);
}

/** Query parameters as Synapse splits them: a segment without `=` continues the previous value (an unescaped `&`). */
function queryParameters(query: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const segment of query.split('&')) {
    if (!segment) continue;
    const eq = segment.indexOf('=');
    if (eq < 0 && out.length > 0) {
      out[out.length - 1]![1] += `&${decode(segment)}`;
      continue;
    }
    out.push(eq < 0 ? [decode(segment), ''] : [decode(segment.slice(0, eq)), decode(segment.slice(eq + 1))]);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Whether the request body can pass through unread: an API-manager style API with no in- or out-flow
 * (configured or uploaded) has no mediator that could read it.
 */
export function canStream(api: Api, resource: Resource, uploaded: UploadedFlows): boolean {
  return !!api.endpoint && !resource.inFlow && !resource.outFlow && !api.flows?.in && !api.flows?.out && !uploaded.in && !uploaded.out;
}

/**
 * Runs a request through its API: for a Synapse `<api>`, the resource's in-sequence with its fault sequence
 * (or the global `fault`) on the fault stack and its out-sequence for responses that `send` receives; for an
 * API-manager style API, the in-flow, then the endpoint, then the out-flow (design.md §8). Uploaded flows
 * (mediate flow upload) run as API Manager runs its per-API mediation: the in-flow and out-flow before the
 * resource's own sequences, the fault flow instead of the resource's fault sequence.
 */
export async function runApi(mc: MessageContext, api: Api, resource: Resource, uploaded: UploadedFlows): Promise<void> {
  const artifacts = mc.runtime.artifacts;
  await runFlow(mc, async () => {
    const fault = flowOf(api, uploaded, 'fault', artifacts) ?? resolve(mc, resource.faultFlow) ?? artifacts.sequence(GLOBAL_FAULT);
    if (fault) mc.faultStack.push(fault);
    const inFlow = flowOf(api, uploaded, 'in', artifacts);
    const outFlow = flowOf(api, uploaded, 'out', artifacts);
    const resourceOut = resolve(mc, resource.outFlow);
    mc.onResponse = async (m) => {
      if (outFlow && !(await outFlow.mediate(m))) return;
      if (resourceOut) await resourceOut.mediate(m);
    };
    if (inFlow && !(await inFlow.mediate(mc))) return false;
    const resourceIn = resolve(mc, resource.inFlow);
    if (resourceIn) return resourceIn.mediate(mc);
    if (!api.endpoint) return true;
    // API-manager style: the in-flow let the request through, so it goes to the endpoint. A response that no
    // out-flow reads goes back to the client as it arrives.
    const response = outFlow || resourceOut ? await api.endpoint.send(mc, 'address-only') : await api.endpoint.forward(mc);
    takeResponse(mc, response, false);
    mc.isResponse = true;
    mc.outcome = 'respond';
    await mc.onResponse(mc);
    return false;
  });
}

/** The API's flow of that name: an uploaded one first, else the sequence its configuration names. */
function flowOf(api: Api, uploaded: UploadedFlows, name: FlowName, artifacts: ArtifactLookup): FaultHandler | undefined {
  if (uploaded[name]) return uploaded[name];
  const named = api.flows?.[name];
  if (!named) return undefined;
  const sequence = artifacts.sequence(named);
  if (!sequence) throw new MediationError(`Sequence named "${named}" cannot be found (the ${name} flow of ${api.name})`);
  return sequence;
}

function resolve(mc: MessageContext, ref: FlowRef | undefined): FaultHandler | undefined {
  if (!ref) return undefined;
  if ('inline' in ref) return ref.inline;
  const sequence = mc.runtime.artifacts.sequence(ref.key);
  if (!sequence) throw new MediationError(`Sequence named "${ref.key}" cannot be found`);
  return sequence;
}
