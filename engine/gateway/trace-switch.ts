import type { Api } from '../api/api.js';
import type { MediationRegistry } from '../runtime.js';

/** The longest and largest trace an admin call can ask for: a trace costs time and log volume. */
export const MAX_TRACED_REQUESTS = 1000;
export const MAX_TRACE_SECONDS = 3600;

interface TraceOrder {
  readonly until: number;
  readonly requests: number;
}

/** Where the admin API leaves a trace order for an API: the local registry, which every worker of the node reads. */
export function traceKey(api: Pick<Api, 'name'>): string {
  return `local:/mediate/trace/${api.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export function traceOrder(requests: number, seconds: number, now: number): string {
  const order: TraceOrder = { until: now + Math.min(seconds, MAX_TRACE_SECONDS) * 1000, requests: Math.min(requests, MAX_TRACED_REQUESTS) };
  return JSON.stringify(order);
}

/**
 * Per-request tracing on the gateway, switched on for one API by the admin API with a bound (a number of
 * requests and a deadline). Each process counts the requests it traced under the current order.
 */
export class TraceSwitch {
  private readonly used = new Map<string, { order: string; count: number }>();

  shouldTrace(api: Api, registry: MediationRegistry | undefined, now: number): boolean {
    let text: string | null | undefined;
    try {
      text = registry?.readText(traceKey(api));
    } catch {
      // Tracing is optional: a local registry that cannot be read switches it off, it does not fail the request.
      return false;
    }
    if (!text) return false;
    let order: TraceOrder;
    try {
      order = JSON.parse(text) as TraceOrder;
    } catch {
      return false;
    }
    if (now > order.until) return false;
    const used = this.used.get(api.name);
    const count = used?.order === text ? used.count : 0;
    if (count >= order.requests) return false;
    this.used.set(api.name, { order: text, count: count + 1 });
    return true;
  }
}
