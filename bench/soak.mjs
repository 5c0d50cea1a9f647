#!/usr/bin/env node
// `npm run soak [-- options]`: memory under steady load. One gateway serves the four benchmark APIs (pass-through,
// the article's token in-flow, OAuth2 endpoint authentication, a payloadFactory transformation); wrk sends a
// steady stream of 1 KiB JSON POSTs rotating over them; the gateway's resident set size (its process and any
// workers) is sampled throughout. After a warm-up, the RSS of the first 30 s is compared with that of the last
// 30 s: the goal is growth below 10 %. Exit status 0 when met, 1 when not. Results JSON in bench/results/.
//
//   --minutes M      measured duration (default 5)
//   --warmup S       load before the measured part, not counted (default 30)
//   --connections N  wrk connections (default 50)
//   --workers N      gateway workers (default 1)
//   --sample S       seconds between RSS samples (default 5)
//   --out FILE       results JSON (default bench/results/soak-<time>.json)
//   --node-options S NODE_OPTIONS of the gateway (default --max-semi-space-size=32, as npm run bench; none: Node's)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { jsonDocument } from './lib/backend.mjs';
import { foreignShare, snapshot } from './lib/contention.mjs';
import { BACKEND_SCRIPT, backendStats, MEDIATE_ENV, MEDIATE_SCENARIOS, nodeEnv, nodeOptionsOf, writeMediateConfig } from './lib/targets.mjs';
import { ensureTools, machineInfo, MEDIATE_BIN, median, parseArgs, Processes, RESULTS_DIR, ROOT, rssKb, sleep, timestamp } from './lib/util.mjs';
import { runWrk, writeScript } from './lib/wrk.mjs';

const opts = parseArgs(process.argv.slice(2), { minutes: 'value', warmup: 'value', connections: 'value', workers: 'value', sample: 'value', out: 'value', 'node-options': 'value' });
const minutes = Number(opts.minutes ?? 5);
const warmup = Number(opts.warmup ?? 30);
const connections = Number(opts.connections ?? 50);
const workers = Number(opts.workers ?? 1);
const sampleS = Number(opts.sample ?? 5);
const GOAL_PCT = 10;
const WINDOW_S = 30;

const started = Date.now();
const log = (msg) => process.stdout.write(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const paths = ensureTools(log, { wrk: 'wrk' });
const machine = machineInfo(paths);
const pin = workers === 1 && machine.cpus >= 2;
const tmp = mkdtempSync(join(tmpdir(), 'mediate-soak-'));
const procs = new Processes(tmp);
let exitCode = 0;

try {
  const b = await procs.start('backend', process.execPath, [BACKEND_SCRIPT, '--port', '0', '--token-port', '0'], { cpus: pin ? '1' : undefined, ready: /ready (\d+) (\d+)/ });
  const backend = Number(b.match[1]);
  const tokenPort = Number(b.match[2]);
  const ids = Object.keys(MEDIATE_SCENARIOS);
  const dir = join(tmp, 'gateway');
  const { port, adminPort } = await writeMediateConfig(dir, ids, { backend, tokenPort, workers });
  const g = await procs.start('mediate', process.execPath, [MEDIATE_BIN, 'serve', '--config', dir, '--port', String(port), '--admin-port', String(adminPort), '--workers', String(workers)], {
    cpus: pin ? '0' : undefined,
    env: { ...MEDIATE_ENV, ...nodeEnv(nodeOptionsOf(opts['node-options'])) },
    ready: /admin API/,
  });
  const apiPaths = ids.map((id) => `${MEDIATE_SCENARIOS[id].context}/1.0.0/echo`);
  const body = jsonDocument(1024);
  for (const p of apiPaths) {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`preflight: ${p} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
  }
  const bodyFile = join(tmp, 'body.json');
  writeFileSync(bodyFile, body);
  const script = writeScript(tmp, 'rotate', { bodyFile, paths: apiPaths });
  const url = `http://127.0.0.1:${port}/`;
  log(`gateway pid ${g.pid} (${workers} worker${workers > 1 ? 's' : ''}${pin ? ', pinned to CPU 0' : ''}) serving ${apiPaths.join(' ')}; RSS ${(rssKb(g.pid) / 1024).toFixed(0)} MiB`);

  log(`warm-up: ${warmup} s at ${connections} connections`);
  await runWrk({ url, connections, seconds: warmup, script, cpus: pin ? '1' : undefined });

  log(`measuring: ${minutes} min at ${connections} connections, RSS every ${sampleS} s`);
  const samples = [];
  const t0 = Date.now();
  const load = runWrk({ url, connections, seconds: Math.round(minutes * 60), script, cpus: pin ? '1' : undefined, timeoutS: 30 });
  let finished = false;
  load.finally(() => (finished = true)).catch(() => undefined);
  let before = snapshot();
  while (!finished) {
    await Promise.race([sleep(sampleS * 1000), load.catch(() => undefined)]);
    if (finished) break;
    const now = snapshot();
    const sample = { t: (Date.now() - t0) / 1000, rssKb: rssKb(g.pid), foreign: foreignShare(before, now) };
    before = now;
    samples.push(sample);
    log(`t=${sample.t.toFixed(0).padStart(3)} s  RSS ${(sample.rssKb / 1024).toFixed(1)} MiB${sample.foreign > 0.1 ? `  (other processes used ${(sample.foreign * 100).toFixed(0)} % CPU)` : ''}`);
  }
  const result = await load;
  const stats = await backendStats(tokenPort);
  const first = samples.filter((s) => s.t <= WINDOW_S);
  const last = samples.filter((s) => s.t >= samples.at(-1).t - WINDOW_S);
  const startRss = median(first.map((s) => s.rssKb));
  const endRss = median(last.map((s) => s.rssKb));
  const growthPct = (100 * (endRss - startRss)) / startRss;
  const maxRss = Math.max(...samples.map((s) => s.rssKb));
  const met = growthPct < GOAL_PCT && result.non2xx + result.errors === 0;
  const results = {
    kind: 'mediate-soak',
    date: new Date().toISOString(),
    command: `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    settings: { minutes, warmup, connections, workers, sampleS, pinned: pin, apis: apiPaths, windowS: WINDOW_S },
    load: result,
    backend: { tokenRequests: stats.tokenRequests, unauthorized: stats.unauthorized },
    rss: { startKb: startRss, endKb: endRss, maxKb: maxRss, growthPct, goalPct: GOAL_PCT, met },
    samples,
  };
  process.stdout.write(
    [
      '',
      `load: ${result.rps.toFixed(0)} req/s over ${minutes} min (p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms), ${result.non2xx} non-2xx, ${result.errors} socket errors`,
      `token endpoint requests: ${JSON.stringify(stats.tokenRequests)}; backend 401s: ${stats.unauthorized}`,
      `RSS: first ${WINDOW_S} s ${(startRss / 1024).toFixed(1)} MiB, last ${WINDOW_S} s ${(endRss / 1024).toFixed(1)} MiB, max ${(maxRss / 1024).toFixed(1)} MiB`,
      `${met ? 'ok' : 'MISS'}  RSS growth ${growthPct.toFixed(1)} % (goal < ${GOAL_PCT} %)${result.non2xx + result.errors > 0 ? ' — and there were failed requests' : ''}`,
      '',
    ].join('\n'),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = opts.out ?? join(RESULTS_DIR, `soak-${timestamp()}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${relative(ROOT, out)}`);
  if (!met) exitCode = 1;
} catch (err) {
  exitCode = 2;
  process.stderr.write(`soak failed: ${err.stack ?? err}\nlogs: ${tmp}\n`);
} finally {
  await procs.stopAll();
  if (exitCode !== 2) rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
