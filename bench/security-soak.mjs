#!/usr/bin/env node
// `npm run soak:security [-- options]`: the security soak. One `mediate serve` on loopback gets good requests
// (JSON through in- and out-flows, XML read by XPath, streamed GETs and uploads) mixed with hostile ones
// (oversized bodies, XXE, entity expansion, deep JSON, CR LF injection, traversal, request smuggling, too many
// headers, failing backends, clients that give up or trickle their headers). No good request may fail, every
// hostile one must get its expected answer, and the gateway's resident memory and open sockets must stay within
// the bounds of test/security/support/soak.ts (SOAK_BOUNDS). Exit status 0 when all hold, 1 when not.
// Results JSON in bench/results/. The test suite runs the same for 15 s (test/security/soak.test.ts).
//
//   --seconds S      measured duration (default 180)
//   --warmup S       load before the baseline, not measured (default 10)
//   --concurrency N  client loops (default 16)
//   --sample S       seconds between samples (default 5)
//   --seed N         seed of the scenario mix (default: the time)
//   --out FILE       results JSON (default bench/results/security-soak-<time>.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { register } from 'tsx/esm/api';
import { parseArgs, RESULTS_DIR, ROOT, timestamp } from './lib/util.mjs';

register();
const { formatReport, runSoak } = await import('../test/security/support/soak.ts');

const opts = parseArgs(process.argv.slice(2), { seconds: 'value', warmup: 'value', concurrency: 'value', sample: 'value', seed: 'value', out: 'value' });
const started = Date.now();
const log = (msg) => process.stdout.write(`[security-soak ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const options = {
  seconds: Number(opts.seconds ?? 180),
  warmupSeconds: Number(opts.warmup ?? 10),
  concurrency: Number(opts.concurrency ?? 16),
  sampleMs: Number(opts.sample ?? 5) * 1000,
  seed: Number(opts.seed ?? Date.now() % 2 ** 31),
  log,
};
log(`seed ${options.seed}`);
try {
  const report = await runSoak(options);
  process.stdout.write(`\n${formatReport(report)}\n\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = opts.out ?? join(RESULTS_DIR, `security-soak-${timestamp()}.json`);
  writeFileSync(out, `${JSON.stringify({ kind: 'mediate-security-soak', date: new Date().toISOString(), settings: { ...options, log: undefined }, ...report }, null, 2)}\n`);
  log(`results written to ${relative(ROOT, out)}`);
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`security soak failed: ${err.stack ?? err}\n`);
  process.exit(2);
}
