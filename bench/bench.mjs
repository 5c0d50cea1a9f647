#!/usr/bin/env node
// `npm run bench [-- options]`: requests/s and p50/p99 latency of Mediate against the backend directly, nginx and
// @fastify/http-proxy, in one run on this machine. See docs/performance.md for what it measures and a recorded run.
//
//   --quick            one round of 2 s measurements (about 2 minutes) instead of 3 rounds of 4 s (about 10)
//   --workers N        worker processes of Mediate, the fastify proxy and nginx alike (default 1)
//   --rounds N         rounds of the throughput matrix (default 3; quick 1)
//   --seconds S        length of one measurement (default 4; quick 2)
//   --warmup S         warm-up per target and body before measuring (default 2; quick 1)
//   --rewarm S         unmeasured load right before each measurement, with the same connections, so that it
//                      starts with warm upstream pools and JIT state (default 1; 0: none)
//   --connections L    comma-separated connection counts (default 50,200)
//   --bodies L         comma-separated request body sizes in bytes, POSTed and echoed (default 1024,10240)
//   --targets L        a subset of direct,nginx,fastify,mediate-pass,mediate-token,mediate-oauth,mediate-pf
//   --no-pin           do not pin processes to CPUs (default with 1 worker on >= 2 CPUs: the proxy under test
//                      on CPU 0, the backend and wrk on CPU 1)
//   --no-latency       skip the latency phase at a moderate, fixed offered load
//   --out FILE         results JSON (default bench/results/bench-<time>.json)
//   --keep             keep the temporary folder (generated configs, logs)
//   --node-options S   NODE_OPTIONS for the fastify proxy and Mediate alike (default --max-semi-space-size=32, the
//                      young generation mediate serve gives its workers; with one worker Mediate serves in its
//                      own process, which gets it only this way); `none` for Node's defaults
//   --max-foreign F    share of the machine's CPU (0..1) other processes may use during a measurement before it
//                      is repeated (default 0.1; up to 2 repeats); before each one the script waits for quiet
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { jsonDocument } from './lib/backend.mjs';
import { backendStats, MEDIATE_SCENARIOS, nodeOptionsOf, startTargets } from './lib/targets.mjs';
import { ensureTools, machineInfo, median, parseArgs, Processes, RESULTS_DIR, ROOT, rssKb, sleep, timestamp } from './lib/util.mjs';
import { foreignShare, snapshot, waitQuiet } from './lib/contention.mjs';
import { runWrk, writeScript } from './lib/wrk.mjs';

const opts = parseArgs(process.argv.slice(2), {
  quick: 'flag', workers: 'value', rounds: 'value', seconds: 'value', warmup: 'value', rewarm: 'value', connections: 'value', bodies: 'value',
  targets: 'value', pin: 'flag', latency: 'flag', out: 'value', keep: 'flag', 'max-foreign': 'value', 'node-options': 'value',
});
const quick = !!opts.quick;
const workers = Number(opts.workers ?? 1);
const rounds = Number(opts.rounds ?? (quick ? 1 : 3));
const seconds = Number(opts.seconds ?? (quick ? 2 : 4));
const warmup = Number(opts.warmup ?? (quick ? 1 : 2));
const rewarm = Number(opts.rewarm ?? 1);
const connectionCounts = String(opts.connections ?? '50,200').split(',').map(Number);
const bodySizes = String(opts.bodies ?? '1024,10240').split(',').map(Number);
const ids = opts.targets ? String(opts.targets).split(',') : undefined;
const latencyPhase = opts.latency !== false;
const LATENCY = { connections: 50, thinkMs: 50, body: 1024 };
const maxForeign = Number(opts['max-foreign'] ?? 0.1);
const nodeOptions = nodeOptionsOf(opts['node-options']);

const started = Date.now();
const log = (msg) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);

const paths = ensureTools(log);
const machine = machineInfo(paths);
const pin = opts.pin ?? (workers === 1 && machine.cpus >= 2);
const proxyCpus = pin ? '0' : undefined;
const backendCpus = pin ? '1' : undefined;
log(`${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.nginx}, ${machine.wrk?.split(' [')[0]}`);
log(`workers: ${workers} for Mediate, the fastify proxy and nginx; ${pin ? 'pinned: proxy under test on CPU 0, backend and wrk on CPU 1' : 'not pinned'}`);
log(`NODE_OPTIONS of the fastify proxy and Mediate alike: ${nodeOptions || '(none)'}`);

const tmp = mkdtempSync(join(tmpdir(), 'mediate-bench-'));
const logDir = join(tmp, 'logs');
mkdirSync(logDir);
const procs = new Processes(logDir);

const bodyFiles = {};
for (const size of new Set([...bodySizes, LATENCY.body])) {
  bodyFiles[size] = join(tmp, `body-${size}.json`);
  writeFileSync(bodyFiles[size], jsonDocument(size));
}
const scripts = {};
for (const size of Object.keys(bodyFiles)) scripts[size] = writeScript(tmp, `post-${size}`, { bodyFile: bodyFiles[size] });
const latencyScript = writeScript(tmp, 'latency', { bodyFile: bodyFiles[LATENCY.body], thinkMs: LATENCY.thinkMs });

const kib = (n) => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
const variants = connectionCounts.flatMap((c) => bodySizes.map((b) => ({ key: `c${c}-b${b}`, connections: c, body: b, label: `${c} connections, ${kib(b)} body` })));

let exitCode = 0;
try {
  log(`starting targets (configs and logs in ${tmp})`);
  const { targets, tokenPort } = await startTargets(procs, { tmp, workers, nginxPath: paths.nginx, proxyCpus, backendCpus, ids, log, nodeOptions });
  for (const t of targets) log(`  ${t.id.padEnd(14)} ${t.url('/echo')}  (pid ${t.pid})`);

  await preflight(targets);
  log('preflight: every target answers correctly');

  log(`warm-up: ${warmup} s per target and body at 50 connections`);
  for (const t of targets) for (const b of bodySizes) await runWrk({ url: t.url('/echo'), connections: 50, seconds: warmup, script: scripts[b], cpus: backendCpus });

  // The throughput matrix: every round runs every variant for every target, in an order rotated per round and
  // variant, so that drift (thermal, noisy neighbours) spreads over all targets alike.
  const runs = [];
  const total = rounds * variants.length * targets.length;
  for (let r = 0; r < rounds; r++) {
    for (let vi = 0; vi < variants.length; vi++) {
      const v = variants[(vi + r) % variants.length];
      const shift = (r * variants.length + vi) % targets.length;
      const order = [...targets.slice(shift), ...targets.slice(0, shift)];
      for (const t of order) {
        const result = await measure({ url: t.url('/echo'), connections: v.connections, seconds, script: scripts[v.body], cpus: backendCpus });
        runs.push({ phase: 'throughput', round: r, variant: v.key, target: t.id, ...result });
        const flag = (result.non2xx + result.errors > 0 ? `  !! ${result.non2xx} non-2xx, ${result.errors} socket errors` : '') + (result.foreign > maxForeign ? `  !! ${(result.foreign * 100).toFixed(0)} % CPU by other processes` : '');
        log(`[${runs.length}/${total}] round ${r + 1} ${v.label.padEnd(28)} ${t.id.padEnd(14)} ${fmt(result.rps, 0).padStart(7)} req/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms${flag}`);
      }
    }
  }

  // The latency phase: a moderate offered load (50 connections with a think time), far below every target's
  // capacity, so the latency a proxy adds is not hidden in queueing (at saturation p99 is mostly queueing).
  if (latencyPhase) {
    log(`latency phase: ${LATENCY.connections} connections, ${LATENCY.thinkMs} ms mean think time, ${kib(LATENCY.body)} body`);
    for (let r = 0; r < rounds; r++) {
      const order = [...targets.slice(r % targets.length), ...targets.slice(0, r % targets.length)];
      for (const t of order) {
        const result = await measure({ url: t.url('/echo'), connections: LATENCY.connections, seconds, script: latencyScript, cpus: backendCpus });
        runs.push({ phase: 'latency', round: r, variant: 'latency', target: t.id, ...result });
        log(`latency round ${r + 1} ${t.id.padEnd(14)} ${fmt(result.rps, 0).padStart(6)} req/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms`);
      }
    }
  }

  const stats = await backendStats(tokenPort);
  const rss = Object.fromEntries(targets.map((t) => [t.id, rssKb(t.pid)]));
  const summary = summarise(targets, runs);
  const results = {
    kind: 'mediate-bench',
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    settings: { quick, workers, rounds, seconds, warmup, rewarm, connections: connectionCounts, bodies: bodySizes, pinned: pin, latency: latencyPhase ? LATENCY : null, maxForeign, nodeOptions },
    targets: targets.map((t) => ({ id: t.id, label: t.label, url: t.url('/echo') })),
    backend: { tokenRequests: stats.tokenRequests, unauthorized: stats.unauthorized, requests: stats.requests },
    rssKbAtEnd: rss,
    summary,
    runs,
    durationS: Math.round((Date.now() - started) / 1000),
  };
  printReport(results);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = opts.out ?? join(RESULTS_DIR, `bench-${timestamp()}${quick ? '-quick' : ''}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${relative(ROOT, out)} (${results.durationS} s)`);
} catch (err) {
  exitCode = 1;
  process.stderr.write(`bench failed: ${err.stack ?? err}\nlogs: ${logDir}\n`);
  for (const f of ['backend', 'nginx', 'fastify-proxy', ...Object.keys(MEDIATE_SCENARIOS)]) {
    try {
      const text = readFileSync(join(logDir, `${f}.log`), 'utf8').trim();
      if (text) process.stderr.write(`--- ${f}.log (last lines)\n${text.split('\n').slice(-15).join('\n')}\n`);
    } catch {
      /* not started */
    }
  }
} finally {
  await procs.stopAll();
  if (!opts.keep && exitCode === 0) rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);

/**
 * One wrk run on a quiet machine: waits until other processes leave the CPUs alone, measures, and repeats (at
 * most twice) a run during which they took more than --max-foreign of the machine. `foreign` is recorded.
 */
async function measure(spec) {
  let result;
  for (let attempt = 0; attempt < 3; attempt++) {
    await waitQuiet({ threshold: maxForeign, windowMs: 300, log });
    // Between two measurements of a target the others run for a while: its idle upstream connections may have
    // been closed (undici closes them after 4 s) and a fresh burst of connections would dominate the tail.
    if (rewarm > 0) await runWrk({ ...spec, seconds: rewarm });
    const a = snapshot();
    result = await runWrk(spec);
    result.foreign = foreignShare(a, snapshot());
    result.attempts = attempt + 1;
    if (result.foreign <= maxForeign) break;
    log(`other processes took ${(result.foreign * 100).toFixed(0)} % of the CPU during the measurement; repeating it`);
  }
  return result;
}

/** One request through every target before measuring: the right status and the right body. */
async function preflight(targets) {
  const body = readFileSync(bodyFiles[bodySizes[0]], 'utf8');
  for (const t of targets) {
    const res = await fetch(t.url('/echo'), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`preflight: ${t.id} answered ${res.status}: ${text.slice(0, 300)}`);
    if (t.id === 'mediate-pf') {
      const out = JSON.parse(text);
      const want = JSON.parse(body);
      if (out.orderId !== want.id || out.itemCount !== want.items.length || out.source !== 'mediate-bench') throw new Error(`preflight: ${t.id} did not transform: ${text.slice(0, 300)}`);
    } else if (text !== body) {
      throw new Error(`preflight: ${t.id} did not echo the body (${text.length} bytes: ${text.slice(0, 200)})`);
    }
  }
}

function fmt(n, digits) {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function rel(a, b) {
  return a !== undefined && b !== undefined && b > 0 ? a / b : NaN;
}

/** Medians per target and variant; ratios per round and variant, then their medians; the targets of the issue. */
function summarise(targets, runs) {
  const byCell = {};
  for (const run of runs) {
    const cell = (byCell[run.variant] ??= {});
    (cell[run.target] ??= []).push(run);
  }
  const cells = {};
  for (const [variant, perTarget] of Object.entries(byCell)) {
    cells[variant] = {};
    for (const [target, list] of Object.entries(perTarget)) {
      const rps = list.map((r) => r.rps);
      cells[variant][target] = {
        rps: median(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        non2xx: list.reduce((s, r) => s + r.non2xx, 0),
        errors: list.reduce((s, r) => s + r.errors, 0),
        maxForeign: Math.max(...list.map((r) => r.foreign ?? 0)),
      };
    }
  }
  // Ratios are taken within one round and variant (same minute, same load), then the median over all of them.
  const pairs = {
    'mediate-pass / fastify': ['mediate-pass', 'fastify'],
    'mediate-pass / nginx': ['mediate-pass', 'nginx'],
    'mediate-token / fastify': ['mediate-token', 'fastify'],
    'mediate-token / nginx': ['mediate-token', 'nginx'],
    'mediate-oauth / fastify': ['mediate-oauth', 'fastify'],
    'mediate-oauth / nginx': ['mediate-oauth', 'nginx'],
    'mediate-pf / fastify': ['mediate-pf', 'fastify'],
    'mediate-pf / nginx': ['mediate-pf', 'nginx'],
    'fastify / nginx': ['fastify', 'nginx'],
    'mediate-token / mediate-pass': ['mediate-token', 'mediate-pass'],
    'mediate-oauth / mediate-pass': ['mediate-oauth', 'mediate-pass'],
    'mediate-pf / mediate-pass': ['mediate-pf', 'mediate-pass'],
  };
  const present = new Set(targets.map((t) => t.id));
  const throughput = runs.filter((r) => r.phase === 'throughput');
  const find = (round, variant, target) => throughput.find((r) => r.round === round && r.variant === variant && r.target === target);
  const ratios = {};
  for (const [name, [a, b]] of Object.entries(pairs)) {
    if (!present.has(a) || !present.has(b)) continue;
    const all = [];
    const perVariant = {};
    for (const v of variants) {
      const values = [];
      for (let r = 0; r < rounds; r++) values.push(rel(find(r, v.key, a)?.rps, find(r, v.key, b)?.rps));
      perVariant[v.key] = median(values);
      all.push(...values);
    }
    ratios[name] = { median: median(all), perVariant };
  }
  // p99 added over the backend directly at 50 connections: per round, then the median.
  const added = {};
  const latencyRuns = runs.filter((r) => r.phase === 'latency');
  for (const id of present) {
    if (id === 'direct' || !present.has('direct')) continue;
    const entry = {};
    if (latencyRuns.length > 0) {
      const values = [];
      for (let r = 0; r < rounds; r++) {
        const t = latencyRuns.find((x) => x.round === r && x.target === id);
        const d = latencyRuns.find((x) => x.round === r && x.target === 'direct');
        if (t && d) values.push({ p50: t.p50 - d.p50, p99: t.p99 - d.p99 });
      }
      entry.moderateLoad = { p50: median(values.map((v) => v.p50)), p99: median(values.map((v) => v.p99)) };
    }
    for (const v of variants.filter((x) => x.connections === 50)) {
      const values = [];
      for (let r = 0; r < rounds; r++) {
        const t = find(r, v.key, id);
        const d = find(r, v.key, 'direct');
        if (t && d) values.push(t.p99 - d.p99);
      }
      entry[`saturated ${v.key}`] = { p99: median(values) };
    }
    added[id] = entry;
  }
  const goal = (name, value, min) => ({ name, value, goal: min, met: Number.isFinite(value) ? value >= min : null });
  const goals = [];
  if (ratios['mediate-pass / fastify']) goals.push(goal('Mediate pass-through ≥ 1.0 × @fastify/http-proxy req/s', ratios['mediate-pass / fastify'].median, 1.0));
  if (ratios['mediate-token / mediate-pass']) goals.push(goal('token in-flow ≥ 0.85 × Mediate pass-through', ratios['mediate-token / mediate-pass'].median, 0.85));
  if (ratios['mediate-pf / mediate-pass']) goals.push(goal('payloadFactory ≥ 0.75 × Mediate pass-through', ratios['mediate-pf / mediate-pass'].median, 0.75));
  for (const id of Object.keys(MEDIATE_SCENARIOS)) {
    const a = added[id];
    if (!a) continue;
    if (a.moderateLoad) goals.push({ name: `${id}: p99 added over direct ≤ 2 ms, 50 connections, moderate load`, value: a.moderateLoad.p99, goal: 2, unit: 'ms', met: a.moderateLoad.p99 <= 2 });
    const sat = Object.entries(a).filter(([k]) => k.startsWith('saturated'));
    for (const [k, v] of sat) goals.push({ name: `${id}: p99 added over direct ≤ 2 ms, ${k}`, value: v.p99, goal: 2, unit: 'ms', met: v.p99 <= 2 });
  }
  return { cells, ratios, p99Added: added, goals };
}

function printReport(results) {
  const { summary, targets } = results;
  const out = [];
  const width = Math.max(...targets.map((t) => t.label.length)) + 2;
  out.push('');
  out.push(`Mediate benchmark — ${results.machine.cpuModel}, ${results.machine.cpus} CPUs, node ${results.machine.node}; workers ${results.settings.workers}; ${results.settings.rounds} round(s) × ${results.settings.seconds} s; medians over rounds`);
  const allVariants = [...variants, ...(results.settings.latency ? [{ key: 'latency', label: `latency phase: ${LATENCY.connections} connections, ~${LATENCY.thinkMs} ms think time, ${kib(LATENCY.body)} body` }] : [])];
  for (const v of allVariants) {
    const cell = summary.cells[v.key];
    if (!cell) continue;
    out.push('');
    out.push(`${v.label.padEnd(width)}   req/s  (min–max)           p50 ms   p99 ms`);
    for (const t of targets) {
      const c = cell[t.id];
      if (!c) continue;
      const flag = (c.non2xx + c.errors > 0 ? `  !! ${c.non2xx} non-2xx, ${c.errors} socket errors` : '') + (c.maxForeign > maxForeign ? `  !! disturbed (${(c.maxForeign * 100).toFixed(0)} % CPU by other processes)` : '');
      out.push(`${t.label.padEnd(width)} ${fmt(c.rps, 0).padStart(7)}  (${fmt(c.rpsMin, 0)}–${fmt(c.rpsMax, 0)})`.padEnd(width + 30) + `${fmt(c.p50, 2).padStart(7)}  ${fmt(c.p99, 2).padStart(7)}${flag}`);
    }
  }
  out.push('');
  out.push('Ratios of req/s (median over rounds × variants; per variant in brackets)');
  for (const [name, r] of Object.entries(summary.ratios)) {
    out.push(`  ${name.padEnd(30)} ${fmt(r.median, 2)}   [${Object.entries(r.perVariant).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ')}]`);
  }
  out.push('');
  out.push('p99 latency added over the backend directly (ms, median over rounds)');
  for (const [id, a] of Object.entries(summary.p99Added)) {
    out.push(`  ${id.padEnd(14)} ${Object.entries(a).map(([k, v]) => `${k}: ${fmt(v.p99, 2)}`).join('   ')}`);
  }
  out.push('');
  out.push('Targets');
  for (const g of summary.goals) {
    const value = g.unit === 'ms' ? `${fmt(g.value, 2)} ms` : `${fmt(g.value, 2)}`;
    out.push(`  ${g.met === null ? '  ?' : g.met ? ' ok' : 'MISS'}  ${g.name}: ${value}`);
  }
  out.push('');
  out.push(`Token endpoint requests: ${JSON.stringify(results.backend.tokenRequests)}; backend 401s: ${results.backend.unauthorized}`);
  const disturbed = results.runs.filter((r) => r.foreign > maxForeign).length;
  const repeated = results.runs.filter((r) => r.attempts > 1).length;
  out.push(`Quiet machine: ${repeated} measurement(s) repeated because other processes used the CPU; ${disturbed} still disturbed (> ${(maxForeign * 100).toFixed(0)} %)`);
  out.push(`RSS at the end (MiB): ${Object.entries(results.rssKbAtEnd).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`).join(', ')}`);
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
}
