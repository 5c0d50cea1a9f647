import { describe, expect, test } from 'vitest';
import { lifetimeSeconds, MAX_JITTER, PROCESS_JITTER, usableMs } from '../../../../engine/endpoint/oauth/token-lifetime.js';

const policy = { defaultExpiresInS: 3000, maxExpiresInS: 86_400, backoffMinMs: 1000, backoffMaxMs: 5000 };

describe('expires_in rules (backend-auth.md R3)', () => {
  test.each<[unknown, number, string]>([
    [3600, 3600, 'expires_in'],
    ['3600', 3600, 'expires_in'],
    [' 120 ', 120, 'expires_in'],
    [1.5, 1.5, 'expires_in'],
    [0, 0, 'expires_in'],
    [-5, -5, 'expires_in'],
    ['-1', -1, 'expires_in'],
    [undefined, 3000, 'default (no expires_in)'],
    [null, 3000, 'default (no expires_in)'],
    ['soon', 3000, 'default (expires_in is not a number)'],
    ['', 3000, 'default (expires_in is not a number)'],
    [true, 3000, 'default (expires_in is not a number)'],
    [{}, 3000, 'default (expires_in is not a number)'],
    ['1e3', 3000, 'default (expires_in is not a number)'],
    [Number.POSITIVE_INFINITY, 3000, 'default (expires_in is not a number)'],
    [10 ** 9, 86_400, 'capped'],
    ['999999999', 86_400, 'capped'],
  ])('expires_in %j → %d s (%s)', (value, seconds, source) => {
    expect(lifetimeSeconds(value, policy)).toEqual({ seconds, source });
  });

  test('the default and the cap come from the policy', () => {
    expect(lifetimeSeconds(undefined, { ...policy, defaultExpiresInS: 60 }).seconds).toBe(60);
    expect(lifetimeSeconds(600, { ...policy, maxExpiresInS: 300 }).seconds).toBe(300);
  });
});

describe('early refresh (R1)', () => {
  test.each<[number, number]>([
    // 1 h: 90 % (3240 s) is earlier than lifetime − 30 s (3570 s).
    [3600_000, 3240_000],
    // 5 min: lifetime − 30 s (270 s) is earlier than 90 % (270 s): they meet.
    [300_000, 270_000],
    // 2 min: 90 s (lifetime − 30 s) is earlier than 108 s (90 %).
    [120_000, 90_000],
    // 40 s: lifetime − 30 s would be 10 s; half the lifetime is the floor.
    [40_000, 20_000],
    // 4 s: half.
    [4000, 2000],
  ])('a token of %d ms is used for %d ms (no jitter)', (lifetime, usable) => {
    expect(usableMs(lifetime, 0)).toBe(usable);
  });

  test('jitter shortens the usable time by at most MAX_JITTER of it, and never lengthens it', () => {
    expect(PROCESS_JITTER).toBeGreaterThanOrEqual(0);
    expect(PROCESS_JITTER).toBeLessThan(MAX_JITTER);
    for (const lifetime of [1000, 60_000, 3600_000]) {
      const full = usableMs(lifetime, 0);
      const jittered = usableMs(lifetime, MAX_JITTER);
      expect(jittered).toBeLessThan(full);
      expect(jittered).toBeGreaterThanOrEqual(full * (1 - MAX_JITTER) - 1e-9);
    }
  });

  test('a token is always given up before its lifetime ends', () => {
    for (let lifetime = 1; lifetime < 10_000_000; lifetime = Math.ceil(lifetime * 1.7)) {
      expect(usableMs(lifetime, PROCESS_JITTER)).toBeLessThan(lifetime);
    }
  });
});
