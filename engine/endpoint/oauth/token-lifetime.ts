import type { CachePolicy } from './oauth-config.js';

/** How the lifetime of a token was decided, for the debug log. */
export type LifetimeSource = 'expires_in' | 'default (no expires_in)' | 'default (expires_in is not a number)' | 'capped';

/**
 * The lifetime in seconds that `expires_in` grants (backend-auth.md R3): a JSON number or a numeric string;
 * the policy's default when it is missing or unreadable (a cosmetic fault of the server should not stop
 * traffic); never more than the policy's cap. Zero or less means the token must not be cached.
 */
export function lifetimeSeconds(expiresIn: unknown, policy: CachePolicy): { seconds: number; source: LifetimeSource } {
  if (expiresIn === undefined || expiresIn === null) return { seconds: policy.defaultExpiresInS, source: 'default (no expires_in)' };
  const n = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(expiresIn) ? Number(expiresIn) : NaN;
  if (!Number.isFinite(n)) return { seconds: policy.defaultExpiresInS, source: 'default (expires_in is not a number)' };
  if (n > policy.maxExpiresInS) return { seconds: policy.maxExpiresInS, source: 'capped' };
  return { seconds: n, source: 'expires_in' };
}

/** Share of the lifetime and fixed margin by which a token is renewed before the server's expiry (R1). */
export const EARLY_SHARE = 0.1;
export const EARLY_MARGIN_MS = 30_000;
/** Upper bound of the per-process jitter, as a share of the usable lifetime. */
export const MAX_JITTER = 0.05;

/**
 * How long after it was asked for a token is used (R1): until min(90 % of the lifetime, the lifetime less
 * 30 s), but never less than half the lifetime, so a 40 s token is not renewed after 10 s; then shortened by
 * this process's jitter (a share below MAX_JITTER), so that processes and gateways holding the same token do
 * not all renew it in the same instant. Always less than the lifetime: an expired token is never sent.
 */
export function usableMs(lifetimeMs: number, jitter: number): number {
  const early = Math.min(lifetimeMs * (1 - EARLY_SHARE), lifetimeMs - EARLY_MARGIN_MS);
  return Math.max(early, lifetimeMs / 2) * (1 - jitter);
}

/** This process's jitter, drawn once. */
export const PROCESS_JITTER = Math.random() * MAX_JITTER;
