import type { TokenFailure } from './oauth-error.js';

/** Upper bounds (ms) of the token-fetch latency histogram buckets; the last bucket is unbounded. */
export const LATENCY_BUCKETS_MS = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/** Counters of the token subsystem in this process (backend-auth.md R12), for the admin API to expose. */
export interface OAuthMetrics {
  /** Token requests sent to token servers. */
  tokenRequests: number;
  /** Token requests that ended with a token. */
  tokenFetches: number;
  failures: Partial<Record<TokenFailure, number>>;
  /** A message found a usable token in memory. */
  cacheHits: number;
  /** A message found none in memory (it then waited for a flight, the registry or the token server). */
  cacheMisses: number;
  /** Tokens taken from the registry, written there by another process or gateway. */
  registryHits: number;
  /** Tokens dropped after a 401, or by a purge. */
  purges: number;
  /** Token-fetch latency: counts per LATENCY_BUCKETS_MS bucket, plus one for slower fetches. */
  fetchLatency: number[];
}

const metrics: OAuthMetrics = newMetrics();

function newMetrics(): OAuthMetrics {
  return { tokenRequests: 0, tokenFetches: 0, failures: {}, cacheHits: 0, cacheMisses: 0, registryHits: 0, purges: 0, fetchLatency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) };
}

export function count(counter: 'tokenRequests' | 'tokenFetches' | 'cacheHits' | 'cacheMisses' | 'registryHits' | 'purges'): void {
  metrics[counter]++;
}

export function countFailure(reason: TokenFailure): void {
  metrics.failures[reason] = (metrics.failures[reason] ?? 0) + 1;
}

export function observeFetchLatency(ms: number): void {
  const bucket = LATENCY_BUCKETS_MS.findIndex((limit) => ms <= limit);
  metrics.fetchLatency[bucket === -1 ? LATENCY_BUCKETS_MS.length : bucket]!++;
}

/** A copy of the counters as they are now. */
export function oauthMetrics(): OAuthMetrics {
  return structuredClone(metrics);
}
