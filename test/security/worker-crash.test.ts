import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, configFolder, eventually, ServeProcess, SYNAPSE_NS } from '../e2e/support/harness.js';
import { YOUNG_GENERATION_FLAG } from '../../engine/gateway/cluster.js';

/**
 * kill -9 of a worker of `mediate serve --workers 2` while it serves load that writes the registry
 * (docs/security.md): the other worker keeps serving, the primary starts a new one, and the SQLite registry the
 * workers share is intact. Killing a whole node of a cluster is test/e2e/cluster/cluster.test.ts; a writer killed
 * in the middle of a transaction, test/registry/processes.test.ts.
 */

const API = `<api ${SYNAPSE_NS} name="CrashAPI" context="/w">
  <resource methods="GET" uri-template="/plain">
    <inSequence>
      <payloadFactory media-type="json"><format>{"ok": true}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/write">
    <inSequence>
      <property name="gov:/crash/value" scope="registry" expression="json-eval($.value)"/>
      <property name="local:/crash/value" scope="registry" expression="json-eval($.value)"/>
      <payloadFactory media-type="json"><format>{"written": true}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
</api>`;

/** The processes `pid` started (Linux: /proc). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const value = (i: number) => `${i}:${'x'.repeat(4000)}:${i}`;

describe.runIf(process.platform === 'linux')('kill -9 of a worker under load', () => {
  let folder: ReturnType<typeof configFolder>;
  let serve: ServeProcess;

  beforeAll(async () => {
    folder = configFolder({ 'gateway.yaml': 'http: { host: 127.0.0.1 }\nadmin: { password: crash-test }\n', 'apis/crash.xml': API });
    serve = await ServeProcess.start(folder.dir, { args: ['--workers', '2', '--log-format', 'text'] });
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    folder?.remove();
  });

  test('the other worker serves on, a new worker is started, and the registry is intact', async () => {
    const primary = serve.child.pid!;
    await eventually(() => (children(primary).length === 2 ? true : undefined), 15_000, 'two workers');
    const workers = children(primary);
    // Workers run with the larger young generation the primary gives them (engine/gateway/cluster.ts).
    for (const w of workers) expect(readFileSync(`/proc/${w}/cmdline`, 'utf8').split('\0')).toContain(YOUNG_GENERATION_FLAG);

    const results: Array<{ started: number; at: number; ok: boolean; status?: number; error?: string }> = [];
    let stop = false;
    let written = 0;
    const loops = Array.from({ length: 6 }, async (_, loop) => {
      for (let i = 0; !stop; i++) {
        const writeNow = (i + loop) % 2 === 0;
        const n = loop * 100_000 + i;
        const started = Date.now();
        try {
          const r = writeNow
            ? await call(`${serve.url}/w/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: value(n) }), timeoutMs: 3000 })
            : await call(`${serve.url}/w/plain`, { timeoutMs: 3000 });
          results.push({ started, at: Date.now(), ok: r.status === 200, status: r.status });
          if (writeNow && r.status === 200) written++;
        } catch (err) {
          results.push({ started, at: Date.now(), ok: false, error: (err as Error).message });
        }
      }
    });

    await eventually(() => (written >= 20 ? true : undefined), 15_000, 'load under way');
    const victim = workers[0]!;
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    // The primary notices, says so, and forks a replacement.
    await eventually(() => (/worker \d+ died/.test(serve.stderr) ? true : undefined), 5000, 'the primary noticing');
    const replaced = await eventually(
      () => {
        const now = children(primary);
        return now.length === 2 && !now.includes(victim) ? now : undefined;
      },
      15_000,
      'a new worker',
    );
    expect(replaced).toContain(workers[1]);
    // Load through the restart and some more after it.
    const restartedAt = Date.now();
    await eventually(() => (results.filter((r) => r.at > restartedAt + 1500).length >= 30 ? true : undefined), 15_000, 'load after the restart');
    stop = true;
    await Promise.all(loops);

    const failures = results.filter((r) => !r.ok);
    // Only connections the dead worker held when it died can fail, and only as a broken connection, never as an
    // answer: the other worker and then the new one answer everything else. A connection the primary was
    // handing to the worker as it died is never answered (node:cluster round-robin keeps it): the client's own
    // timeout ends it (docs/security.md).
    expect(failures.length).toBeLessThanOrEqual(6);
    for (const f of failures) {
      expect(f.status, JSON.stringify(f)).toBeUndefined();
      expect(f.started, JSON.stringify(f)).toBeLessThanOrEqual(killedAt + 500);
    }
    expect(results.filter((r) => r.ok && r.at > killedAt).length).toBeGreaterThan(30);

    // Both workers' registry writes went to the same SQLite files: they must be whole databases with whole values.
    await serve.stop();
    for (const [file, key] of [['governance.db', '/crash/value'], ['local.db', '/crash/value']] as const) {
      const db = new Database(join(folder.dir, 'data', file), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const row = db.prepare('SELECT content FROM resources WHERE path = ?').get(key) as { content: Buffer };
        expect(row.content.toString()).toMatch(/^(\d+):x{4000}:\1$/);
      } finally {
        db.close();
      }
    }
  }, 90_000);
});
