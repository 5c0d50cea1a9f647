// Load generation with wrk (in its own process, pinned apart from the proxy under test). A Lua script sets the
// request (method, JSON body) and prints the summary as one JSON line from wrk's done() hook, so latency
// percentiles are exact rather than parsed from wrk's rounded text.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './util.mjs';

const DONE = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

/**
 * A wrk script: POST `bodyFile` as JSON (or GET when no body), optionally with a think time per connection
 * (`thinkMs`, ±50 % jitter) which makes the offered rate about connections × 1000 / thinkMs requests/s;
 * wrk starts its latency clock when it writes the request, so the think time is not counted.
 */
export function writeScript(dir, name, { bodyFile, thinkMs = 0, paths } = {}) {
  const lines = [];
  if (bodyFile) {
    lines.push(`local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))`, 'wrk.body = f:read("*a")', 'f:close()', 'wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"');
  }
  if (paths) {
    // Rotate over several paths (the soak test's combined gateway).
    lines.push(`local paths = {${paths.map((p) => JSON.stringify(p)).join(', ')}}`, 'local i = 0', 'function request()', '  i = i % #paths + 1', '  return wrk.format(nil, paths[i])', 'end');
  }
  if (thinkMs > 0) {
    lines.push(`function delay() return math.random(${Math.round(thinkMs / 2)}, ${Math.round(thinkMs * 1.5)}) end`);
  }
  const file = join(dir, `${name}.lua`);
  writeFileSync(file, `${lines.join('\n')}\n${DONE}`);
  return file;
}

/** Runs wrk once; resolves with requests/s and latency (ms) of the run. */
export function runWrk({ url, connections, seconds, script, cpus, timeoutS = 10 }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, `--timeout`, `${timeoutS}s`, '-s', script, url];
  const [cmd, argv] = cpus !== undefined && which('taskset') ? ['taskset', ['-c', String(cpus), 'wrk', ...args]] : ['wrk', args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /BENCHJSON (\{.*\})/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`wrk ${args.join(' ')} failed (${code}): ${err || out}`));
      const r = JSON.parse(m[1]);
      const errors = r.connect_errors + r.read_errors + r.write_errors + r.timeouts;
      resolve({
        rps: r.requests / (r.duration_us / 1e6),
        requests: r.requests,
        p50: r.p50_us / 1000,
        p90: r.p90_us / 1000,
        p99: r.p99_us / 1000,
        max: r.max_us / 1000,
        mean: r.mean_us / 1000,
        non2xx: r.status_errors,
        errors,
        mbps: r.bytes / (r.duration_us / 1e6) / 2 ** 20,
      });
    });
  });
}
