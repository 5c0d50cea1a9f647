import { describe, expect, test } from 'vitest';
import { formatReport, runSoak, SOAK_BOUNDS } from './support/soak.js';

/**
 * The security soak, short: 15 s of good and hostile requests mixed against one `mediate serve` on loopback
 * (test/security/support/soak.ts; `npm run soak:security` runs the same for 3 minutes). No good request fails,
 * every hostile one gets its expected answer, and memory and open sockets stay within SOAK_BOUNDS.
 */
describe.runIf(process.platform === 'linux')('security soak (15 s)', () => {
  test('mixed good and hostile traffic: no failed good request, no growth beyond the bounds', async () => {
    const report = await runSoak({ seconds: 15, warmupSeconds: 3, concurrency: 8, sampleMs: 1000, seed: 20261128 });
    const summary = formatReport(report);
    expect(report.requests, summary).toBeGreaterThan(200);
    expect(report.goodFailures, summary).toBe(0);
    expect(report.hostileMismatches, summary).toBe(0);
    for (const [name, s] of Object.entries(report.scenarios)) expect(s.count, `${name} ran\n${summary}`).toBeGreaterThan(0);
    expect(report.rss.growth, summary).toBeLessThanOrEqual(SOAK_BOUNDS.rssGrowthBytes);
    expect(report.sockets.idleAfter, summary).toBeLessThanOrEqual(report.sockets.idleBefore + SOAK_BOUNDS.socketSlack);
    expect(report.ok, summary).toBe(true);
  }, 90_000);
});
