import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, MediationRegistry } from '../../runtime.js';
import { sha256 } from './grant-request.js';
import { count, countFailure, observeFetchLatency } from './metrics.js';
import type { CachePolicy } from './oauth-config.js';
import { OAuthTokenError, type TokenFailure } from './oauth-error.js';
import type { IssuedToken } from './token-client.js';
import { lifetimeSeconds, PROCESS_JITTER, usableMs } from './token-lifetime.js';
import { RegistryTokenStore, type CachedToken, type TokenLabel } from './token-store.js';

/** One kind of token, as an authenticator asks for it: its cache key, and how to fetch one. */
export interface TokenSource {
  readonly key: string;
  readonly label: TokenLabel;
  readonly policy: CachePolicy;
  readonly failureHttpStatus: number;
  /** The longest a token request can take; a lease is held a little longer. */
  readonly requestTimeoutMs: number;
  fetch(): Promise<IssuedToken>;
}

/** The message's view of the world: its clock and its logger. */
export interface TokenContext {
  now(): number;
  readonly logger: Logger;
}

/** What the admin API may show of a cached token: never the token itself (backend-auth.md R12). */
export interface TokenMetadata extends TokenLabel {
  readonly cacheKey: string;
  readonly generatedAt: number;
  readonly expiresAt: number;
  /** When this process stops using it and asks for a new one. */
  readonly refreshAt: number;
  readonly scope: string | undefined;
}

interface Entry extends CachedToken {
  readonly refreshAt: number;
  readonly label: TokenLabel;
}

interface Failure {
  readonly until: number;
  readonly reason: TokenFailure;
  readonly message: string;
}

/** Pause between looks at the registry while another process holds the lease (plus up to as much again, at random). */
const POLL_MS = 25;
/** A lease outlives the token request it covers by this much, and a waiter gives up on its holder this much later. */
const LEASE_MARGIN_MS = 2000;
/** Tokens kept in memory per registry before unused ones are evicted. */
const MAX_ENTRIES = 10_000;
/** At most one warning about a failing registry per this period: an outage must not flood the log. */
const OUTAGE_WARNING_MS = 30_000;

/**
 * The token cache of one registry (or of the process, without one). Tokens are kept in memory, persisted
 * in the registry for the other processes and gateways, and fetched one at a time per cache key: one shared
 * Promise within the process, a registry lease between processes (R2). A token is used until its early-refresh
 * time (R1), so an expired token is never sent. A failed fetch is not cached, but callers fail fast for a
 * short random back-off (R4). When the registry fails, the cache carries on in memory and says so (R11).
 */
export class TokenManager {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Promise<CachedToken>>();
  private readonly failures = new Map<string, Failure>();
  /** Per cache key, the digest of the last token a backend refused: a copy found in the registry is not reused. */
  private readonly rejected = new Map<string, string>();
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private warnedAt = -Infinity;

  constructor(
    private readonly store: RegistryTokenStore | undefined,
    private readonly jitter: number = PROCESS_JITTER,
  ) {}

  async token(source: TokenSource, cx: TokenContext): Promise<CachedToken> {
    const now = cx.now();
    const entry = this.entries.get(source.key);
    if (entry && now < entry.refreshAt) {
      count('cacheHits');
      return entry;
    }
    count('cacheMisses');
    let flight = this.flights.get(source.key);
    if (!flight) {
      const failure = this.failures.get(source.key);
      if (failure && now < failure.until) {
        countFailure('backoff');
        throw new OAuthTokenError(failure.reason, `${failure.message} (not retried for a short while)`, source.failureHttpStatus);
      }
      flight = this.acquire(source, cx).finally(() => this.flights.delete(source.key));
      this.flights.set(source.key, flight);
    }
    return flight;
  }

  /**
   * A backend answered 401 to `accessToken` (R6): it is dropped from memory if it is still the cached one, and
   * will be deleted from the registry by whichever request renews it, under the lease.
   */
  invalidate(key: string, accessToken: string): void {
    if (this.entries.get(key)?.accessToken === accessToken) this.entries.delete(key);
    this.rejected.set(key, sha256(accessToken));
    count('purges');
  }

  /** Drops one cache key's token, or all, from memory and the registry (R13). */
  async purge(key?: string): Promise<void> {
    if (key === undefined) {
      this.entries.clear();
      this.failures.clear();
    } else {
      this.entries.delete(key);
      this.failures.delete(key);
    }
    count('purges');
    if (key === undefined) await this.store?.removeAll();
    else await this.store?.remove(key);
  }

  metadata(): TokenMetadata[] {
    return [...this.entries].map(([cacheKey, e]) => ({ cacheKey, ...e.label, generatedAt: e.generatedAt, expiresAt: e.expiresAt, refreshAt: e.refreshAt, scope: e.scope }));
  }

  private async acquire(source: TokenSource, cx: TokenContext): Promise<CachedToken> {
    const stored = await this.fromStore(source, cx);
    if (stored) return stored;
    if (!this.store?.canLease) return this.fetch(source, cx);
    const ttl = source.requestTimeoutMs + LEASE_MARGIN_MS;
    const giveUpAt = cx.now() + ttl + LEASE_MARGIN_MS;
    for (;;) {
      const leased = await this.guard(cx, 'lease', () => this.store!.tryLease(source.key, this.owner, ttl), true);
      // Giving up is only reachable if the store keeps refusing a lease past its TTL: asking the server then
      // beats waiting forever.
      if (leased || cx.now() > giveUpAt) {
        try {
          return (await this.fromStore(source, cx, leased)) ?? (await this.fetch(source, cx));
        } finally {
          await this.guard(cx, 'lease', () => this.store!.releaseLease(source.key, this.owner), undefined);
        }
      }
      await sleep(POLL_MS + Math.random() * POLL_MS);
      const polled = await this.fromStore(source, cx);
      if (polled) return polled;
    }
  }

  /**
   * A token another process or gateway persisted, if this process may still use it. Under the lease, a copy
   * of the token a backend refused is deleted (compare-and-delete: the lease keeps others from replacing it
   * meanwhile).
   */
  private async fromStore(source: TokenSource, cx: TokenContext, leased = false): Promise<CachedToken | undefined> {
    if (!this.store) return undefined;
    const stored = await this.guard(cx, 'read', () => this.store!.read(source.key), undefined);
    if (!stored) return undefined;
    if (this.rejected.get(source.key) === sha256(stored.accessToken)) {
      if (leased) await this.guard(cx, 'delete', () => this.store!.remove(source.key), undefined);
      return undefined;
    }
    const entry = this.entry(stored, source.label);
    if (cx.now() >= entry.refreshAt) return undefined;
    this.remember(source.key, entry, cx.now());
    count('registryHits');
    return entry;
  }

  private async fetch(source: TokenSource, cx: TokenContext): Promise<CachedToken> {
    const generatedAt = cx.now();
    count('tokenRequests');
    let issued: IssuedToken;
    try {
      issued = await source.fetch();
    } catch (err) {
      if (err instanceof OAuthTokenError) {
        countFailure(err.reason);
        const { backoffMinMs: min, backoffMaxMs: max } = source.policy;
        this.failures.set(source.key, { until: cx.now() + min + Math.random() * (max - min), reason: err.reason, message: err.message });
      }
      throw err;
    } finally {
      observeFetchLatency(cx.now() - generatedAt);
    }
    count('tokenFetches');
    this.failures.delete(source.key);
    // The server has just issued it, so even a token a backend refused before is worth trying again.
    this.rejected.delete(source.key);
    const lifetime = lifetimeSeconds(issued.expiresIn, source.policy);
    const level = lifetime.source.startsWith('default (expires_in is not') ? 'warn' : 'debug';
    cx.logger.log(level, `OAuth2 token for client "${source.label.clientId}" from ${source.label.tokenUrl}: lifetime ${lifetime.seconds} s (${lifetime.source})`);
    const token: CachedToken = { accessToken: issued.accessToken, generatedAt, expiresAt: generatedAt + lifetime.seconds * 1000, scope: issued.scope };
    if (lifetime.seconds <= 0) return token;
    this.remember(source.key, this.entry(token, source.label), cx.now());
    await this.guard(cx, 'write', () => this.store?.write(source.key, token, source.label), undefined);
    return token;
  }

  /**
   * Keeps a token. Configurations with per-message values can make many cache keys, so past MAX_ENTRIES the
   * tokens no longer in use go, and then the oldest.
   */
  private remember(key: string, entry: Entry, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size <= MAX_ENTRIES) return;
    for (const [k, e] of this.entries) if (now >= e.refreshAt) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(k);
    }
    for (const map of [this.failures, this.rejected]) if (map.size > MAX_ENTRIES) map.clear();
  }

  private entry(token: CachedToken, label: TokenLabel): Entry {
    return { ...token, label, refreshAt: token.generatedAt + usableMs(token.expiresAt - token.generatedAt, this.jitter) };
  }

  /**
   * Runs a registry operation; when the registry fails, logs it (rarely) and goes on with `fallback`, so an
   * outage costs cross-process sharing, not traffic (R11).
   */
  private async guard<T>(cx: TokenContext, what: string, op: () => T | Promise<T>, fallback: T): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const now = cx.now();
      if (now - this.warnedAt >= OUTAGE_WARNING_MS) {
        this.warnedAt = now;
        cx.logger.log('warn', `OAuth2 token cache: registry ${what} failed (${(err as Error).message}); tokens are shared within this process only until it recovers`);
      }
      return fallback;
    }
  }
}

const managers = new WeakMap<MediationRegistry, TokenManager>();
const processManager = new TokenManager(undefined);

/** The token cache of a runtime's registry: every runtime on one registry object shares it. */
export function tokenManagerFor(registry: MediationRegistry | undefined): TokenManager {
  if (!registry) return processManager;
  let manager = managers.get(registry);
  if (!manager) {
    manager = new TokenManager(RegistryTokenStore.over(registry));
    managers.set(registry, manager);
  }
  return manager;
}
