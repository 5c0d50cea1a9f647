import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../registry/sqlite-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '../..');
const writerScript = join(here, 'fixtures', 'registry-writer.ts');
const root = mkdtempSync(join(tmpdir(), 'mediate-registry-processes-'));

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Must match taggedValue in fixtures/registry-writer.ts. */
const taggedValue = (tag: string, i: number) => JSON.stringify({ tag, i, pad: tag.repeat(4096) });

interface Writer {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout has a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code (null when killed) and signal once the process has gone and its output is read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWriter(args: string[]): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, ...args], { cwd: projectRoot, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiters.filter((w) => w.pattern.test(out))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      if (pattern.test(out)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`writer exited before printing ${pattern}; stdout: ${out.slice(-200)} stderr: ${err}`)));
      });
    },
  };
}

describe('the SQLite registry shared by several processes', () => {
  test('two processes writing the same key 200 times each both finish, and the final value is one whole written value', async () => {
    const file = join(root, 'concurrent', 'registry.db');
    await new SqliteStore(file).close(); // create the file and schema before the race
    const writers = ['A', 'B'].map((tag) => startWriter(['tagged', file, '/shared/key', tag, '200']));
    try {
      await Promise.all(writers.map((w) => w.waitFor(/^ready$/m)));
      for (const w of writers) w.child.stdin.write('go\n');
      const results = await Promise.all(writers.map((w) => w.exited));
      const summaries = writers.map((w, i) => {
        expect(w.stderr(), `writer ${i} stderr`).toBe('');
        expect(results[i]).toEqual({ code: 0, signal: null });
        return JSON.parse(w.stdout().trim().split('\n').at(-1)!) as { writes: number; seenOther: number; start: number; end: number };
      });
      for (const s of summaries) expect(s.writes).toBe(200);
      // The two runs overlapped in time, so the writers really contended for the lock. (How far their writes
      // interleave is up to SQLite's busy handler, which is not fair: one writer may wait until the other is done.)
      expect(Math.max(...summaries.map((s) => s.start))).toBeLessThan(Math.min(...summaries.map((s) => s.end)));
    } finally {
      for (const w of writers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
    const store = new SqliteStore(file);
    try {
      const final = store.getSync('/shared/key');
      const text = final!.content.toString('utf8');
      const { tag, i } = JSON.parse(text) as { tag: string; i: number };
      expect(['A', 'B']).toContain(tag);
      expect(i).toBe(199); // whichever writer committed last, it was its last write
      expect(text).toBe(taggedValue(tag, i));
      expect(final!.properties).toEqual({ tag, i: '199' });
      expect((await store.list('/shared')).map((e) => e.path)).toEqual(['/shared/key']);
    } finally {
      await store.close();
    }
  });

  test('kill -9 of a writer in the middle of 1 MiB writes leaves an intact database and a whole value', async () => {
    const size = 1024 * 1024;
    const file = join(root, 'killed', 'registry.db');
    // Three rounds on the same file: each one recovers from the previous kill before writing again.
    for (let round = 0; round < 3; round++) {
      const writer = startWriter(['big', file, '/big/value', String(size)]);
      try {
        await writer.waitFor(new RegExp(`^${3 + round * 2}$`, 'm'));
        await new Promise((r) => setTimeout(r, 7 * round));
        writer.child.kill('SIGKILL');
        expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
      } finally {
        if (writer.child.exitCode === null && writer.child.signalCode === null) writer.child.kill('SIGKILL');
      }
      const committed = writer.stdout().trim().split('\n').map(Number);
      const last = committed.at(-1)!;
      expect(last).toBeGreaterThanOrEqual(3);

      const raw = new Database(file);
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        raw.close();
      }

      const store = new SqliteStore(file);
      try {
        const content = store.getSync('/big/value')!.content;
        expect(content.length).toBe(size);
        const letter = content[0]!;
        expect(content.equals(Buffer.alloc(size, letter))).toBe(true);
        // The last write reported as committed, or the one in flight when the process died: never older.
        const expected = [last, last + 1].map((i) => 97 + (i % 26));
        expect(expected).toContain(letter);
      } finally {
        await store.close();
      }
    }
  });
});
