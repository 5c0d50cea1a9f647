// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self and inclusive time per function,
// and self time per area (a Mediate folder, an npm package, a part of Node's internals).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './util.mjs';

/** Where a function lives, for grouping: a file of Mediate, an npm package, an area of Node's internals. */
export function area(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) {
    // node:_http_server, node:internal/streams/readable -> node:streams, node:internal/deps/undici/... -> node:deps/undici
    const parts = url.slice(5).split('/');
    if (parts[0] !== 'internal') return `node:${parts[0]}`;
    return parts[1] === 'deps' ? `node:deps/${parts[2]}` : `node:${parts[1]}`;
  }
  const path = url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return `npm:${nm[1]}`;
  const rel = relative(ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

function location(frame) {
  const url = frame.url ? frame.url.replace(/^file:\/\//, '') : '';
  const file = url.startsWith('/') ? relative(ROOT, url) : url;
  // tsx runs Mediate's TypeScript as whitespace-minified one-line modules: a line number there says nothing.
  return !file ? '' : frame.lineNumber > 0 ? `${file}:${frame.lineNumber + 1}` : file;
}

/**
 * Summarises the samples taken at or after `fromUs` (the profile's own clock; undefined: all). Returns totals
 * and the top entries.
 */
export function summariseProfile(file, { fromUs, top = 30 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => {
    const f = n.callFrame;
    return `${f.functionName || '(anonymous)'}  ${location(f)}`;
  };
  const self = new Map();
  const inclusive = new Map();
  const areas = new Map();
  let t = profile.startTime;
  let counted = 0;
  let idle = 0;
  let gc = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (fromUs !== undefined && t < fromUs) continue;
    const leaf = nodes.get(profile.samples[i]);
    const name = leaf.callFrame.functionName;
    counted++;
    if (name === '(idle)') {
      idle++;
      continue;
    }
    if (name === '(garbage collector)') gc++;
    const k = key(leaf);
    self.set(k, (self.get(k) ?? 0) + 1);
    const a = name === '(garbage collector)' ? '(garbage collector)' : name === '(program)' ? '(program)' : area(leaf.callFrame.url);
    areas.set(a, (areas.get(a) ?? 0) + 1);
    const seen = new Set();
    for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = nodes.get(id);
      if (n.callFrame.functionName === '(root)') break;
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + 1);
    }
  }
  const busy = counted - idle;
  const pct = (n) => (busy > 0 ? (100 * n) / busy : 0);
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    samples: counted,
    busyPct: counted > 0 ? (100 * busy) / counted : 0,
    gcPct: pct(gc),
    self: sorted(self).slice(0, top).map(([k, n]) => ({ fn: k, pct: pct(n) })),
    // Inclusive time of Mediate's own functions (the rest is dominated by Node's event loop frames).
    inclusive: sorted(inclusive)
      .filter(([k]) => /\s(engine|mediators|registry|cli)\//.test(k))
      .slice(0, top)
      .map(([k, n]) => ({ fn: k, pct: pct(n) })),
    areas: sorted(areas).map(([k, n]) => ({ area: k, pct: pct(n) })),
  };
}

export function formatProfileSummary(s, title) {
  const lines = [`== ${title}`, `samples ${s.samples}, busy ${s.busyPct.toFixed(1)} %, GC ${s.gcPct.toFixed(1)} % of busy`, '', 'self time by area (% of busy)'];
  for (const a of s.areas.slice(0, 20)) lines.push(`  ${a.pct.toFixed(1).padStart(5)}  ${a.area}`);
  lines.push('', 'self time by function (% of busy)');
  for (const f of s.self) lines.push(`  ${f.pct.toFixed(1).padStart(5)}  ${f.fn}`);
  lines.push('', "inclusive time of Mediate's functions (% of busy)");
  for (const f of s.inclusive) lines.push(`  ${f.pct.toFixed(1).padStart(5)}  ${f.fn}`);
  return `${lines.join('\n')}\n`;
}
