// How much CPU processes other than this benchmark's used: a test suite or a build on the same 2-core machine
// ruins a measurement silently, so the benchmark waits for a quiet machine before each measurement and records
// the foreign CPU during it (and repeats one that was disturbed). Linux /proc only; elsewhere it reports 0.
import { readFileSync } from 'node:fs';

const HZ_FIELDS = { utime: 13, stime: 14, cutime: 15, cstime: 16 };

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Jiffies of the whole machine: busy and total. */
function machine() {
  const line = read('/proc/stat')?.split('\n')[0];
  if (!line) return null;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** CPU jiffies of a process (with its reaped children) and of its live descendants. */
function tree(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  // The command name may hold spaces: fields start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(f[HZ_FIELDS.utime - 2]) + Number(f[HZ_FIELDS.stime - 2]) + Number(f[HZ_FIELDS.cutime - 2]) + Number(f[HZ_FIELDS.cstime - 2]);
  const children = (read(`/proc/${pid}/task/${pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  return own + children.reduce((s, c) => s + tree(c), 0);
}

export function snapshot() {
  const m = machine();
  return m ? { ...m, ours: tree(process.pid) } : null;
}

/**
 * The share of the machine's CPU (0..1, over all cores) that other processes used between two snapshots. A
 * process of ours that exited and was reaped in between is still counted as ours (cutime/cstime).
 */
export function foreignShare(a, b) {
  if (!a || !b || b.total <= a.total) return 0;
  const busy = b.busy - a.busy;
  const ours = b.ours - a.ours;
  return Math.max(0, (busy - ours) / (b.total - a.total));
}

/**
 * Waits until other processes use less than `threshold` of the machine over a `windowMs` sample, for at most
 * `maxWaitMs`. Resolves with the last share seen.
 */
export async function waitQuiet({ threshold = 0.1, windowMs = 500, maxWaitMs = 120_000, log } = {}) {
  const start = Date.now();
  let warned = false;
  for (;;) {
    const a = snapshot();
    await new Promise((r) => setTimeout(r, windowMs));
    const share = foreignShare(a, snapshot());
    if (share < threshold) return share;
    if (Date.now() - start > maxWaitMs) {
      log?.(`machine still busy (${(share * 100).toFixed(0)} % CPU used by other processes) after ${maxWaitMs / 1000} s; measuring anyway`);
      return share;
    }
    if (!warned) log?.(`machine busy: ${(share * 100).toFixed(0)} % CPU used by other processes; waiting for it to calm down`);
    warned = true;
  }
}
