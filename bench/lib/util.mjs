// Shared helpers of the benchmark scripts: arguments, child processes (started, pinned, stopped by their own pid),
// the tools the benchmark needs (installed with apt-get when missing), and a description of the machine.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release, availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
export const MEDIATE_BIN = join(ROOT, 'cli/bin.mjs');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** `--name value`, `--name=value` and `--flag` / `--no-flag` into an object; numbers stay strings. */
export function parseArgs(argv, known) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    let [name, value] = a.slice(2).split(/=(.*)/s, 2);
    if (name.startsWith('no-') && known[name.slice(3)] === 'flag') {
      out[name.slice(3)] = false;
      continue;
    }
    if (!(name in known)) throw new Error(`unknown option --${name} (known: ${Object.keys(known).map((k) => `--${k}`).join(' ')})`);
    if (known[name] === 'flag') {
      out[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    out[name] = value;
  }
  return out;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function which(cmd) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin']) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

/**
 * The Debian tools the benchmark drives: wrk (load) and nginx (the reference proxy). Installed with apt-get when
 * missing, as root or through sudo without a password, since CI and fresh machines start without them.
 */
export function ensureTools(log, tools = { wrk: 'wrk', nginx: 'nginx' }) {
  const missing = Object.entries(tools).filter(([cmd]) => !which(cmd));
  if (missing.length === 0) return toolPaths(tools);
  const packages = missing.map(([, pkg]) => pkg);
  log(`installing ${packages.join(', ')} with apt-get (missing: ${missing.map(([c]) => c).join(', ')})`);
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : which('sudo') ? ['sudo', '-n'] : null;
  if (!prefix) throw new Error(`${packages.join(' and ')} missing and not root: run  apt-get install -y ${packages.join(' ')}  first`);
  const run = (args) => {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = spawnSync(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${r.status})`);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  return toolPaths(tools);
}

function toolPaths(tools) {
  const out = {};
  for (const cmd of Object.keys(tools)) {
    out[cmd] = which(cmd);
    if (!out[cmd]) throw new Error(`${cmd} still not found after installing`);
  }
  return out;
}

/** The machine, tools and code versions, for the results file and docs/performance.md. */
export function machineInfo(paths) {
  const cpu = cpus();
  const version = (cmd, args) => {
    try {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
    } catch {
      return null;
    }
  };
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  // BENCH_REVISION names the code measured when the tree is not a checkout (an exported commit).
  let git = process.env.BENCH_REVISION ?? null;
  if (!git) try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'engine', 'mediators', 'registry', 'cli'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    git = `${head}${dirty ? ' (with uncommitted changes in engine/mediators/registry/cli)' : ''}`;
  } catch {
    /* not a checkout */
  }
  let os = null;
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
  } catch {
    /* not Linux */
  }
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpus: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os,
    kernel: release(),
    node: process.version,
    nginx: paths?.nginx ? version(paths.nginx, ['-v']) : null,
    wrk: paths?.wrk ? version(paths.wrk, ['-v']) : null,
    fastify: pkg('fastify'),
    fastifyHttpProxy: pkg('@fastify/http-proxy'),
    undici: pkg('undici'),
    mediateCommit: git,
  };
}

/**
 * Child processes started by this script, each stopped by its own pid (never by name). `cpus` pins it with
 * taskset (its threads and children inherit the mask).
 */
export class Processes {
  constructor(logDir) {
    this.logDir = logDir;
    this.children = [];
    const cleanup = () => {
      // SIGTERM, not SIGKILL: nginx's master and Mediate's cluster primary then stop their own workers.
      for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    };
    process.on('exit', cleanup);
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => {
        cleanup();
        process.exit(130);
      });
    }
  }

  /**
   * Starts `cmd args`; resolves when a stdout line matches `ready` (or at once without one). stdout and stderr
   * go to `<logDir>/<name>.log`.
   */
  start(name, cmd, args, { cpus, env, ready, timeoutMs = 60_000 } = {}) {
    const argv = cpus !== undefined && which('taskset') ? ['taskset', ['-c', String(cpus), cmd, ...args]] : [cmd, args];
    // stderr goes straight to the log file: a gateway's access log (a line per request) must not cost this
    // process CPU while it measures.
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(argv[0], argv[1], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    child.benchName = name;
    this.children.push(child);
    const log = createWriteStream(logFile, { flags: 'a' });
    return new Promise((resolve, reject) => {
      let buffered = '';
      let done = false;
      const timer = setTimeout(() => fail(new Error(`${name} not ready after ${timeoutMs} ms (see ${join(this.logDir, `${name}.log`)})`)), timeoutMs);
      const fail = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err);
      };
      const ok = (match) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ child, pid: child.pid, match });
      };
      child.stdout.on('data', (chunk) => {
        log.write(chunk);
        if (done) return;
        buffered += chunk;
        const m = ready ? ready.exec(buffered) : [];
        if (m) ok(m);
      });
      child.once('exit', (code, signal) => fail(new Error(`${name} exited (${signal ?? code}) before it was ready; see ${join(this.logDir, `${name}.log`)}`)));
      child.once('error', fail);
      if (!ready) ok([]);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
  async stop(child, graceMs = 5000) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async stopAll() {
    await Promise.all(this.children.map((c) => this.stop(c)));
  }
}

/** Resident set size (kB) of a process and its descendants, from /proc. */
export function rssKb(pid) {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return total;
}

function descendants(pid) {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.flatMap((c) => [c, ...descendants(c)]);
  } catch {
    return [];
  }
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function timestamp() {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d\dZ$/, 'Z');
}
