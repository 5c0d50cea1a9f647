#!/usr/bin/env node
// `node bench/report.mjs bench/results/bench-<time>.json`: a results file as the Markdown tables of
// docs/performance.md (machine, command, req/s and latency per target, ratios, targets).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/report.mjs RESULTS.json\n');
  process.exit(2);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const fmt = (n, d) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const kib = (n) => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
const m = r.machine;
const s = r.settings;
const out = [];
out.push(`- **Machine**: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGiB} GiB; ${m.os ?? ''} (kernel ${m.kernel}); Node ${m.node}; ${m.nginx}; ${m.wrk?.split(' [')[0]}; fastify ${m.fastify}, @fastify/http-proxy ${m.fastifyHttpProxy}, undici ${m.undici}`);
out.push(`- **Code**: Mediate ${m.mediateCommit ?? 'unknown revision'}`);
out.push(`- **Command**: \`${r.command}\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(r.durationS / 60)} min`);
out.push(
  `- **Settings**: ${s.workers} worker(s) for Mediate, the fastify proxy and nginx; ${s.pinned ? 'proxy under test pinned to CPU 0, backend and wrk to CPU 1' : 'no CPU pinning'}; ${s.rounds} rounds × ${s.seconds} s per measurement after ${s.warmup} s warm-up per target and body${s.rewarm ? ` and ${s.rewarm} s re-warm before each measurement` : ''}; medians over rounds`,
);
const disturbed = r.runs.filter((x) => x.foreign > s.maxForeign).length;
const repeated = r.runs.filter((x) => x.attempts > 1).length;
out.push(`- **Quiet machine**: ${repeated} of ${r.runs.length} measurements repeated because other processes used more than ${fmt(s.maxForeign * 100, 0)} % of the CPU; ${disturbed} still above that (marked ⚠)`);
out.push(`- **Token endpoint requests** during the run: ${Object.entries(r.backend.tokenRequests).map(([k, v]) => `${k} ${v}`).join(', ')}; backend 401s: ${r.backend.unauthorized}`);
out.push('');

const variants = Object.keys(r.summary.cells).filter((k) => k !== 'latency');
const label = (key) => {
  const mm = /^c(\d+)-b(\d+)$/.exec(key);
  return mm ? `${mm[1]} conn, ${kib(Number(mm[2]))}` : key;
};
out.push(`| target | ${variants.map((v) => `${label(v)}: req/s · p50 · p99 ms`).join(' | ')} |`);
out.push(`|---|${variants.map(() => '---:').join('|')}|`);
for (const t of r.targets) {
  const cells = variants.map((v) => {
    const c = r.summary.cells[v][t.id];
    if (!c) return '';
    const warn = c.maxForeign > s.maxForeign ? ' ⚠' : '';
    const err = c.non2xx + c.errors > 0 ? ` (${c.non2xx + c.errors} failed)` : '';
    return `**${fmt(c.rps, 0)}** · ${fmt(c.p50, 1)} · ${fmt(c.p99, 1)}${warn}${err}`;
  });
  out.push(`| ${t.label} | ${cells.join(' | ')} |`);
}
if (r.summary.cells.latency) {
  out.push('');
  out.push(`Latency at a moderate load (${s.latency.connections} connections, ${s.latency.thinkMs} ms mean think time, ${kib(s.latency.body)} body):`);
  out.push('');
  out.push('| target | req/s | p50 ms | p99 ms | p99 added over direct, ms |');
  out.push('|---|---:|---:|---:|---:|');
  for (const t of r.targets) {
    const c = r.summary.cells.latency[t.id];
    if (!c) continue;
    const added = r.summary.p99Added[t.id]?.moderateLoad?.p99;
    out.push(`| ${t.label} | ${fmt(c.rps, 0)} | ${fmt(c.p50, 2)} | ${fmt(c.p99, 2)} | ${t.id === 'direct' ? '' : fmt(added, 2)} |`);
  }
}
out.push('');
out.push(`| ratio of req/s | median | ${variants.map(label).join(' | ')} |`);
out.push(`|---|---:|${variants.map(() => '---:').join('|')}|`);
for (const [name, v] of Object.entries(r.summary.ratios)) {
  out.push(`| ${name} | **${fmt(v.median, 2)}** | ${variants.map((k) => fmt(v.perVariant[k], 2)).join(' | ')} |`);
}
out.push('');
out.push('| target | measured | |');
out.push('|---|---:|---|');
for (const g of r.summary.goals) {
  const value = g.unit === 'ms' ? `${fmt(g.value, 2)} ms` : fmt(g.value, 2);
  out.push(`| ${g.name} | ${value} | ${g.met ? 'met' : 'missed'} |`);
}
process.stdout.write(`${out.join('\n')}\n`);
