import cluster from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, register } from 'prom-client';
import { BoundCounter, BoundHistogram } from './bound-series.js';
import { oauthMetrics } from '../endpoint/oauth/metrics.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics (prom-client's default registry, so that the cluster primary can aggregate the workers'),
 * exposed on the admin port at /metrics.
 */
export const metrics = {
  requests: new BoundCounter('mediate_requests_total', 'Requests answered, by API, resource and status', ['api', 'resource', 'status']),
  requestDuration: new BoundHistogram('mediate_request_duration_seconds', 'Time from request to the end of the answer', ['api'], SECONDS),
  backendDuration: new BoundHistogram('mediate_backend_duration_seconds', 'Time spent in backend calls per request', ['api'], SECONDS),
  faults: new Counter({ name: 'mediate_faults_total', help: 'Requests that ended in a fault, by ERROR_CODE', labelNames: ['code'] as const }),
  registryOperations: new BoundCounter('mediate_registry_operations_total', 'Registry operations by kind', ['operation']),
};

/** Metrics only the cluster primary has: kept apart so that they do not collide with the workers' aggregate. */
const primaryRegistry = new Registry();
export const workerRestarts = new Counter({ name: 'mediate_worker_restarts_total', help: 'Worker processes restarted after dying', registers: [primaryRegistry] });

/** The OAuth2 token subsystem's counters (backend-auth.md R12), read when Prometheus scrapes. */
new Gauge({
  name: 'mediate_oauth_tokens',
  help: 'OAuth2 token counters of this process: requests, fetches, cache hits and misses, registry hits, purges, failures',
  labelNames: ['counter'] as const,
  collect() {
    const m = oauthMetrics();
    this.reset();
    for (const counter of ['tokenRequests', 'tokenFetches', 'cacheHits', 'cacheMisses', 'registryHits', 'purges'] as const) this.set({ counter }, m[counter]);
    for (const [reason, n] of Object.entries(m.failures)) this.set({ counter: `failure:${reason}` }, n ?? 0);
  },
});

const REQUEST = 'mediate:metrics';
const REPLY = 'mediate:metrics-reply';
type MetricsMessage = { type?: string; id?: number; metrics?: unknown };

// A worker answers the primary's request for its metrics over the cluster channel.
if (cluster.isWorker) {
  process.on('message', (message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    register.getMetricsAsJSON().then((metrics) => process.send?.({ type: REPLY, id: message.id, metrics }));
  });
}

let nextRequest = 0;

/** Each worker's metrics, gathered over the cluster channel; a worker that does not answer in time is left out. */
function workerMetrics(timeoutMs = 2000): Promise<unknown[][]> {
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected());
  const id = nextRequest++;
  return new Promise((resolve) => {
    const replies: unknown[][] = [];
    const finish = () => {
      clearTimeout(timer);
      cluster.off('message', onMessage);
      resolve(replies);
    };
    const onMessage = (_worker: unknown, message: MetricsMessage) => {
      if (message?.type !== REPLY || message.id !== id) return;
      replies.push(message.metrics as unknown[]);
      if (replies.length === workers.length) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    cluster.on('message', onMessage);
    for (const w of workers) w!.send({ type: REQUEST, id });
    if (workers.length === 0) finish();
  });
}

/** The Prometheus text: this process's metrics, or in a cluster primary the sum over its workers plus its own. */
export async function metricsText(): Promise<{ contentType: string; text: string }> {
  const workers = cluster.isPrimary ? Object.keys(cluster.workers ?? {}).length : 0;
  if (workers === 0) return { contentType: register.contentType, text: await register.metrics() };
  const aggregated = AggregatorRegistry.aggregate((await workerMetrics()) as Parameters<typeof AggregatorRegistry.aggregate>[0]);
  return { contentType: register.contentType, text: `${await aggregated.metrics()}\n${await primaryRegistry.metrics()}` };
}
