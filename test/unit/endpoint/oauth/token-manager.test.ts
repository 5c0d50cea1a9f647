import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { oauthMetrics } from '../../../../engine/endpoint/oauth/metrics.js';
import { OAuthTokenError } from '../../../../engine/endpoint/oauth/oauth-error.js';
import type { IssuedToken } from '../../../../engine/endpoint/oauth/token-client.js';
import { TokenManager, type TokenContext, type TokenSource } from '../../../../engine/endpoint/oauth/token-manager.js';
import { RegistryTokenStore, TOKENS_PATH } from '../../../../engine/endpoint/oauth/token-store.js';
import type { MediationRegistry } from '../../../../engine/runtime.js';
import { openMemoryRegistry, openRegistry, openRegistryDir } from '../../../../registry/open.js';
import type { Registry } from '../../../../registry/registry.js';
import { MemoryLogger, MemoryRegistry } from '../../../support/runtime.js';

const root = mkdtempSync(join(tmpdir(), 'mediate-token-manager-'));
let dirs = 0;
const registries: Registry[] = [];
function registryDir(): string {
  return join(root, `r${++dirs}`);
}
function track(registry: Registry): Registry {
  registries.push(registry);
  return registry;
}
afterAll(async () => {
  for (const r of registries) await r.close();
  rmSync(root, { recursive: true, force: true });
});

const policy = { defaultExpiresInS: 3000, maxExpiresInS: 86_400, backoffMinMs: 1000, backoffMaxMs: 1000 };

/** A token server stand-in: counts fetches, answers with numbered tokens, or with what the test queues. */
class FakeSource implements TokenSource {
  readonly label = { grant: 'clientCredentials', tokenUrl: 'https://idp.test/token', clientId: 'client' };
  readonly policy = policy;
  readonly failureHttpStatus = 502;
  requestTimeoutMs = 1000;
  fetches = 0;
  expiresIn: unknown = 3600;
  next: Array<() => Promise<IssuedToken>> = [];
  constructor(readonly key = 'k1') {}
  fetch(): Promise<IssuedToken> {
    this.fetches++;
    const queued = this.next.shift();
    if (queued) return queued();
    return Promise.resolve({ accessToken: `token-${this.fetches}`, expiresIn: this.expiresIn, scope: undefined });
  }
}

function clock(start = 1_700_000_000_000): TokenContext & { t: number; logger: MemoryLogger } {
  const cx = { t: start, logger: new MemoryLogger(), now: () => cx.t };
  return cx;
}
const realClock = (): TokenContext & { logger: MemoryLogger } => ({ logger: new MemoryLogger(), now: () => Date.now() });
const failure = () => Promise.reject(new OAuthTokenError('http-status', 'OAuth2 token request to https://idp.test/token failed: the token server answered HTTP 500', 502));

describe('in-process cache and single flight', () => {
  test('1000 concurrent callers on a cold cache make one token request (R2a, R14 stampede)', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    let release!: () => void;
    source.next.push(() => new Promise((r) => (release = () => r({ accessToken: 'the-token', expiresIn: 3600, scope: undefined }))));
    const cx = clock();
    const calls = Array.from({ length: 1000 }, () => manager.token(source, cx));
    await new Promise((r) => setImmediate(r));
    release();
    const tokens = await Promise.all(calls);
    expect(source.fetches).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['the-token']));
  });

  test('a token is used until its early-refresh time, then renewed once', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    source.expiresIn = 100; // usable for 70 s (lifetime − 30 s)
    const cx = clock();
    const first = await manager.token(source, cx);
    expect(first).toMatchObject({ accessToken: 'token-1', generatedAt: cx.t, expiresAt: cx.t + 100_000 });
    cx.t += 69_999;
    expect((await manager.token(source, cx)).accessToken).toBe('token-1');
    cx.t += 1;
    const renewed = await Promise.all([manager.token(source, cx), manager.token(source, cx)]);
    expect(renewed.map((t) => t.accessToken)).toEqual(['token-2', 'token-2']);
    expect(source.fetches).toBe(2);
  });

  test('the lifetime counts from when the request was sent on the gateway’s clock: a slow answer shortens it (clock skew)', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    const cx = clock();
    const sent = cx.t;
    source.next.push(async () => {
      cx.t += 20_000; // the server takes 20 s to answer
      return { accessToken: 'slow', expiresIn: 100, scope: undefined };
    });
    const token = await manager.token(source, cx);
    expect([token.generatedAt, token.expiresAt]).toEqual([sent, sent + 100_000]);
    cx.t = sent + 69_999;
    expect((await manager.token(source, cx)).accessToken).toBe('slow');
    cx.t = sent + 70_000;
    expect((await manager.token(source, cx)).accessToken).toBe('token-2');
  });

  test('expires_in of zero or less: the token serves its own flight and is not cached', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    source.expiresIn = 0;
    const cx = clock();
    const [a, b] = await Promise.all([manager.token(source, cx), manager.token(source, cx)]);
    expect([a.accessToken, b.accessToken]).toEqual(['token-1', 'token-1']);
    expect((await manager.token(source, cx)).accessToken).toBe('token-2');
    source.expiresIn = -10;
    expect((await manager.token(source, cx)).accessToken).toBe('token-3');
    expect(manager.metadata()).toEqual([]);
  });

  test('separate cache keys have separate tokens and flights', async () => {
    const manager = new TokenManager(undefined, 0);
    const a = new FakeSource('a');
    const b = new FakeSource('b');
    const cx = clock();
    await Promise.all([manager.token(a, cx), manager.token(b, cx), manager.token(a, cx)]);
    expect([a.fetches, b.fetches]).toEqual([1, 1]);
  });
});

describe('failures (R4)', () => {
  test('a failure reaches every waiter, is not cached, and backs off; then the server is asked again', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    source.next.push(failure);
    const cx = clock();
    const results = await Promise.allSettled([manager.token(source, cx), manager.token(source, cx)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(source.fetches).toBe(1);
    // Within the back-off: no request, the same reason, code 303003.
    cx.t += 999;
    const fast = await manager.token(source, cx).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(OAuthTokenError);
    expect((fast as OAuthTokenError).reason).toBe('http-status');
    expect((fast as OAuthTokenError).errorCode).toBe(303003);
    expect(source.fetches).toBe(1);
    expect(manager.metadata()).toEqual([]);
    // After it: recovery.
    cx.t += 1;
    expect((await manager.token(source, cx)).accessToken).toBe('token-2');
    expect(source.fetches).toBe(2);
  });

  test('the back-off is drawn between the configured bounds', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    (source as { policy: typeof policy }).policy = { ...policy, backoffMinMs: 1000, backoffMaxMs: 5000 };
    const cx = clock();
    source.next.push(failure);
    await manager.token(source, cx).catch(() => undefined);
    cx.t += 999;
    await expect(manager.token(source, cx)).rejects.toBeInstanceOf(OAuthTokenError);
    expect(source.fetches).toBe(1);
    cx.t += 4001;
    await manager.token(source, cx);
    expect(source.fetches).toBe(2);
  });
});

describe('401 handling (R6)', () => {
  test('invalidate drops the token only if it is still the cached one', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    const cx = clock();
    const a = await manager.token(source, cx);
    manager.invalidate(source.key, a.accessToken);
    const b = await manager.token(source, cx);
    expect(b.accessToken).toBe('token-2');
    // A late 401 for the old token leaves the new one alone.
    manager.invalidate(source.key, a.accessToken);
    expect((await manager.token(source, cx)).accessToken).toBe('token-2');
    expect(source.fetches).toBe(2);
  });

  test('a token server handing out the refused token again is believed (no loop)', async () => {
    const manager = new TokenManager(undefined, 0);
    const source = new FakeSource();
    const same = () => Promise.resolve({ accessToken: 'same', expiresIn: 3600, scope: undefined });
    source.next.push(same, same);
    const cx = clock();
    await manager.token(source, cx);
    manager.invalidate(source.key, 'same');
    expect((await manager.token(source, cx)).accessToken).toBe('same');
    expect((await manager.token(source, cx)).accessToken).toBe('same');
    expect(source.fetches).toBe(2);
  });

  test('a refused token persisted in the registry is not reused, and is deleted under the lease', async () => {
    const dir = registryDir();
    const registry = track(openRegistryDir(dir));
    const manager = new TokenManager(RegistryTokenStore.over(registry), 0);
    const source = new FakeSource();
    const cx = realClock();
    const a = await manager.token(source, cx);
    expect(registry.readText(`gov:${TOKENS_PATH}/${source.key}`)).toBe(a.accessToken);
    let seenDuringFetch: string | null | undefined;
    source.next.push(async () => {
      seenDuringFetch = registry.readText(`gov:${TOKENS_PATH}/${source.key}`);
      return { accessToken: 'fresh', expiresIn: 3600, scope: undefined };
    });
    manager.invalidate(source.key, a.accessToken);
    expect((await manager.token(source, cx)).accessToken).toBe('fresh');
    expect(seenDuringFetch).toBeNull();
    expect(registry.readText(`gov:${TOKENS_PATH}/${source.key}`)).toBe('fresh');
  });
});

describe('the registry (R2, R3, R11)', () => {
  test('a token is persisted with generatedAt and expiresAt; another cache on the same files uses it', async () => {
    const dir = registryDir();
    const first = new TokenManager(RegistryTokenStore.over(track(openRegistryDir(dir))), 0);
    const source = new FakeSource();
    const cx = realClock();
    const before = Date.now();
    const token = await first.token(source, cx);
    const registry = track(openRegistryDir(dir));
    const props = registry.readProperties(`gov:${TOKENS_PATH}/${source.key}`)!;
    expect(Number(props['generatedAt'])).toBeGreaterThanOrEqual(before);
    expect(Number(props['expiresAt'])).toBe(Number(props['generatedAt']) + 3600_000);
    expect(props).toMatchObject({ grant: 'clientCredentials', tokenUrl: 'https://idp.test/token', clientId: 'client' });
    const second = new TokenManager(RegistryTokenStore.over(registry), 0);
    const registryHits = oauthMetrics().registryHits;
    expect(await second.token(source, cx)).toMatchObject({ accessToken: token.accessToken, generatedAt: token.generatedAt, expiresAt: token.expiresAt });
    expect(source.fetches).toBe(1);
    expect(oauthMetrics().registryHits).toBe(registryHits + 1);
  });

  test('a persisted token past this process’s refresh time is not used', async () => {
    const dir = registryDir();
    const registry = track(openRegistryDir(dir));
    const store = RegistryTokenStore.over(registry)!;
    const now = Date.now();
    await store.write('k1', { accessToken: 'old', generatedAt: now - 100_000, expiresAt: now + 10_000, scope: undefined }, new FakeSource().label);
    const source = new FakeSource();
    expect((await new TokenManager(store, 0).token(source, realClock())).accessToken).toBe('token-1');
  });

  test('a regional gateway (read-only gov:) keeps tokens in local:', async () => {
    const dir = registryDir();
    const sqlite = (file: string) => ({ store: 'sqlite' as const, path: join(dir, file), url: null });
    const registry = track(
      await openRegistry({ governance: { ...sqlite('gov.db'), readOnly: true, redirectTo: null }, config: { ...sqlite('conf.db'), readOnly: false }, local: sqlite('local.db') }),
    );
    expect(RegistryTokenStore.over(registry)!.scope).toBe('local');
    const manager = new TokenManager(RegistryTokenStore.over(registry), 0);
    const source = new FakeSource();
    await manager.token(source, realClock());
    expect(registry.readText(`local:${TOKENS_PATH}/k1`)).toBe('token-1');
    expect(registry.readText(`gov:${TOKENS_PATH}/k1`)).toBeNull();
  });

  test('a registry without put (a test double) means an in-process cache only', () => {
    expect(RegistryTokenStore.over(new MemoryRegistry())).toBeUndefined();
    expect(RegistryTokenStore.over(undefined)).toBeUndefined();
  });

  test('a registry outage degrades to the in-process cache, logged once, without failing traffic (R11)', async () => {
    const broken: MediationRegistry = {
      readText: () => {
        throw new Error('database is locked');
      },
      readProperty: () => null,
      readProperties: () => {
        throw new Error('database is locked');
      },
      exists: () => false,
      write: () => Promise.reject(new Error('database is locked')),
      update: () => Promise.reject(new Error('database is locked')),
      delete: () => Promise.reject(new Error('database is locked')),
      put: () => Promise.reject(new Error('database is locked')),
      canWrite: () => true,
      tryLease: () => Promise.reject(new Error('database is locked')),
      releaseLease: () => Promise.reject(new Error('database is locked')),
    };
    const manager = new TokenManager(RegistryTokenStore.over(broken), 0);
    const source = new FakeSource();
    const cx = realClock();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.token(source, cx)));
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['token-1']));
    expect(source.fetches).toBe(1);
    const warnings = cx.logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/registry read failed \(database is locked\); tokens are shared within this process only/);
  });
});

describe('leases between processes (R2b)', () => {
  test('while another cache holds the lease, this one waits and takes the token it writes', async () => {
    const dir = registryDir();
    const a = new TokenManager(RegistryTokenStore.over(track(openRegistryDir(dir))), 0);
    const b = new TokenManager(RegistryTokenStore.over(track(openRegistryDir(dir))), 0);
    const source = new FakeSource();
    let release!: () => void;
    source.next.push(() => new Promise((r) => (release = () => r({ accessToken: 'from-a', expiresIn: 3600, scope: undefined }))));
    const cx = realClock();
    const fromA = a.token(source, cx);
    await new Promise((r) => setTimeout(r, 20));
    const fromB = b.token(source, cx);
    await new Promise((r) => setTimeout(r, 150));
    expect(source.fetches).toBe(1);
    release();
    expect((await fromA).accessToken).toBe('from-a');
    expect((await fromB).accessToken).toBe('from-a');
    expect(source.fetches).toBe(1);
  });

  test('the lease of a holder that died lapses, and the waiter fetches itself', async () => {
    const dir = registryDir();
    const registry = track(openRegistryDir(dir));
    const source = new FakeSource();
    source.requestTimeoutMs = 0; // the lease lives 2 s (the margin)
    const started = Date.now();
    expect(await registry.tryLease(`local:${TOKENS_PATH}/${source.key}`, 'a-process-that-died', 300)).toBe(true);
    const manager = new TokenManager(RegistryTokenStore.over(registry), 0);
    expect((await manager.token(source, realClock())).accessToken).toBe('token-1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(source.fetches).toBe(1);
  });
});

describe('purge (R13)', () => {
  test('one cache key or all, from memory and the registry', async () => {
    const registry = track(openMemoryRegistry());
    const manager = new TokenManager(RegistryTokenStore.over(registry), 0);
    const a = new FakeSource('a');
    const b = new FakeSource('b');
    const cx = realClock();
    await manager.token(a, cx);
    await manager.token(b, cx);
    expect(manager.metadata().map((m) => m.cacheKey).sort()).toEqual(['a', 'b']);
    expect(JSON.stringify(manager.metadata())).not.toContain('token-');
    await manager.purge('a');
    expect(registry.exists(`gov:${TOKENS_PATH}/a`)).toBe(false);
    expect(registry.exists(`gov:${TOKENS_PATH}/b`)).toBe(true);
    await manager.token(a, cx);
    expect(a.fetches).toBe(2);
    await manager.purge();
    expect(registry.exists(`gov:${TOKENS_PATH}`)).toBe(false);
    expect(manager.metadata()).toEqual([]);
    await manager.token(b, cx);
    expect(b.fetches).toBe(2);
  });
});
