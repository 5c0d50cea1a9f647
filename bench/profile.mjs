#!/usr/bin/env node
// `npm run bench:profile [-- options]`: where a single-worker Mediate gateway spends its CPU under load. For each
// scenario it starts the backend and one gateway under `node --cpu-prof` (pinned to CPU 0, the backend and wrk on
// CPU 1), warms it up, loads it with wrk, stops it gracefully (which writes the profile) and summarises the
// samples taken during the measured load: self time per area and per function, inclusive time of Mediate's own
// functions. Profiles and summaries go to bench/results/profile-<time>/.
//
//   --scenarios L    comma-separated: mediate-pass,mediate-token,mediate-oauth,mediate-pf (default: all)
//   --seconds S      measured load per scenario (default 20)
//   --warmup S       load before the measured part (default 5)
//   --connections N  wrk connections (default 50)
//   --body N         request body bytes (default 1024)
//   --node-options S NODE_OPTIONS of the gateway (default --max-semi-space-size=32, as npm run bench; none: Node's)
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { jsonDocument } from './lib/backend.mjs';
import { formatProfileSummary, summariseProfile } from './lib/cpuprofile.mjs';
import { BACKEND_SCRIPT, MEDIATE_ENV, MEDIATE_SCENARIOS, nodeEnv, nodeOptionsOf, writeMediateConfig } from './lib/targets.mjs';
import { ensureTools, MEDIATE_BIN, parseArgs, Processes, RESULTS_DIR, ROOT, timestamp } from './lib/util.mjs';
import { runWrk, writeScript } from './lib/wrk.mjs';

const opts = parseArgs(process.argv.slice(2), { scenarios: 'value', seconds: 'value', warmup: 'value', connections: 'value', body: 'value', 'node-options': 'value' });
const scenarios = opts.scenarios ? String(opts.scenarios).split(',') : Object.keys(MEDIATE_SCENARIOS);
const seconds = Number(opts.seconds ?? 20);
const warmup = Number(opts.warmup ?? 5);
const connections = Number(opts.connections ?? 50);
const bodySize = Number(opts.body ?? 1024);
const log = (msg) => process.stdout.write(`[profile] ${msg}\n`);

ensureTools(log, { wrk: 'wrk' });
const tmp = mkdtempSync(join(tmpdir(), 'mediate-profile-'));
const procs = new Processes(tmp);
const outDir = join(RESULTS_DIR, `profile-${timestamp()}`);
mkdirSync(outDir, { recursive: true });
const bodyFile = join(tmp, 'body.json');
writeFileSync(bodyFile, jsonDocument(bodySize));
const script = writeScript(tmp, 'post', { bodyFile });

let exitCode = 0;
try {
  const b = await procs.start('backend', process.execPath, [BACKEND_SCRIPT, '--port', '0', '--token-port', '0'], { cpus: '1', ready: /ready (\d+) (\d+)/ });
  const backend = Number(b.match[1]);
  const tokenPort = Number(b.match[2]);
  const summaries = [];
  for (const id of scenarios) {
    const dir = join(tmp, id);
    const { port, adminPort } = await writeMediateConfig(dir, [id], { backend, tokenPort, workers: 1 });
    const profDir = join(tmp, `${id}-prof`);
    const g = await procs.start(
      id,
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${profDir}`, MEDIATE_BIN, 'serve', '--config', dir, '--port', String(port), '--admin-port', String(adminPort), '--workers', '1'],
      { cpus: '0', env: { ...MEDIATE_ENV, ...nodeEnv(nodeOptionsOf(opts['node-options'])) }, ready: /admin API/ },
    );
    const url = `http://127.0.0.1:${port}${MEDIATE_SCENARIOS[id].context}/1.0.0/echo`;
    await runWrk({ url, connections, seconds: warmup, script, cpus: '1' });
    // The profile's clock is not the wall clock: measure the wall time from here to the process's exit and
    // keep the samples of that last stretch less the shutdown.
    const loadStart = performance.now();
    const result = await runWrk({ url, connections, seconds, script, cpus: '1' });
    const loadEnd = performance.now();
    await procs.stop(g.child, 20_000);
    const exited = performance.now();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${id}: no profile written in ${profDir}`);
    const target = join(outDir, `${id}.cpuprofile`);
    rmSync(target, { force: true });
    try {
      renameSync(join(profDir, file), target);
    } catch {
      copyFileSync(join(profDir, file), target);
    }
    const endTime = JSON.parse(readFileSync(target, 'utf8')).endTime;
    const fromUs = endTime - (exited - loadStart) * 1000;
    const toNote = ((exited - loadEnd) / 1000).toFixed(1);
    const summary = summariseProfile(target, { fromUs });
    const text = formatProfileSummary(summary, `${id}: ${connections} connections, ${bodySize} B body, ${seconds} s measured at ${result.rps.toFixed(0)} req/s (p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms); includes ${toNote} s of shutdown`);
    writeFileSync(join(outDir, `${id}.txt`), text);
    process.stdout.write(`\n${text}`);
    summaries.push({ id, rps: result.rps, p50: result.p50, p99: result.p99, ...summary });
  }
  writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify({ date: new Date().toISOString(), connections, bodySize, seconds, warmup, summaries }, null, 2)}\n`);
  log(`profiles and summaries in ${relative(ROOT, outDir)} (open a .cpuprofile in Chrome DevTools > Performance, or speedscope)`);
} catch (err) {
  exitCode = 1;
  process.stderr.write(`profile failed: ${err.stack ?? err}\nlogs: ${tmp}\n`);
} finally {
  await procs.stopAll();
  if (exitCode === 0) rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
