import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../registry/sqlite-store.js';
import { RegistryStoreError, type ResourceInput } from '../../registry/store.js';
import { registryStoreContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'mediate-sqlite-store-'));
let counter = 0;
/** A fresh database file in a folder that does not exist yet (the store creates it). */
const freshFile = () => join(root, `store-${++counter}`, 'registry.db');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

registryStoreContract('SqliteStore (file)', () => new SqliteStore(freshFile()));
registryStoreContract('SqliteStore (:memory:)', () => new SqliteStore(':memory:'));

const text = (content: string): ResourceInput => ({ content: Buffer.from(content), mediaType: 'text/plain', properties: {}, collection: false });

describe('SqliteStore specifics', () => {
  const open: Array<{ close(): unknown }> = [];
  const track = <T extends { close(): unknown }>(x: T): T => {
    open.push(x);
    return x;
  };
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close();
  });

  test('creates the folder of its file and describes itself as sqlite:FILE', () => {
    const file = freshFile();
    const store = track(new SqliteStore(file));
    expect(existsSync(file)).toBe(true);
    expect(store.description).toBe(`sqlite:${file}`);
  });

  test('the file is in WAL mode', async () => {
    const file = freshFile();
    const store = track(new SqliteStore(file));
    await store.put('/a', text('x'));
    const raw = track(new Database(file, { readonly: true }));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(existsSync(`${file}-wal`)).toBe(true);
  });

  test('a second store on the same file sees the first one’s writes without reopening (data_version)', async () => {
    const file = freshFile();
    const writer = track(new SqliteStore(file));
    const reader = track(new SqliteStore(file));

    // A miss is cached too; a later write elsewhere must still be seen.
    expect(reader.getSync('/k')).toBeNull();
    await writer.put('/k', text('one'));
    expect(reader.getSync('/k')?.content.toString()).toBe('one');

    // With nothing committed in between, the reader serves the same cached object: the cache is really in use.
    const cached = reader.getSync('/k');
    expect(reader.getSync('/k')).toBe(cached);

    await writer.put('/k', text('two'));
    expect(reader.getSync('/k')?.content.toString()).toBe('two');
    expect(await writer.updateContent('/k', Buffer.from('three'))).toBe(true);
    expect((await reader.get('/k'))?.content.toString()).toBe('three');
    await writer.setProperty('/k', 'p', 'v');
    expect(reader.getSync('/k')?.properties).toEqual({ p: 'v' });
    expect(await writer.delete('/k')).toBe(true);
    expect(reader.getSync('/k')).toBeNull();

    // And the other way round, and from a connection that is not a SqliteStore at all.
    await reader.put('/back', text('from reader'));
    expect(writer.getSync('/back')?.content.toString()).toBe('from reader');
    const raw = track(new Database(file));
    raw.prepare(`UPDATE resources SET content = ? WHERE path = '/back'`).run(Buffer.from('from raw'));
    // A commit from outside the stores (another process, in real life) is looked for once per turn of the event
    // loop: within this turn the store still serves what it had, from the next one the new value.
    expect(writer.getSync('/back')?.content.toString()).toBe('from reader');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.getSync('/back')?.content.toString()).toBe('from raw');
    expect(reader.getSync('/back')?.content.toString()).toBe('from raw');
  });

  test('a write that cannot get the lock fails with RegistryStoreError and leaves the old value; the store recovers', async () => {
    const file = freshFile();
    const store = track(new SqliteStore(file, { busyTimeoutMs: 50 }));
    await store.put('/k', text('old'));
    const locker = track(new Database(file));
    locker.exec('BEGIN IMMEDIATE');
    try {
      const failed = store.put('/k', text('new'));
      await expect(failed).rejects.toBeInstanceOf(RegistryStoreError);
      await expect(failed).rejects.toThrow(file);
      await expect(store.setProperty('/k', 'p', 'v')).rejects.toBeInstanceOf(RegistryStoreError);
    } finally {
      locker.exec('ROLLBACK');
    }
    const r = await store.get('/k');
    expect(r?.content.toString()).toBe('old');
    expect(r?.properties).toEqual({});
    await store.put('/k', text('new'));
    expect(store.getSync('/k')?.content.toString()).toBe('new');
  });

  test('opening a file that is not a database throws RegistryStoreError naming the file, at construction', () => {
    const file = join(root, `garbage-${++counter}.db`);
    writeFileSync(file, Buffer.concat([Buffer.from('this is not an SQLite database\n'), Buffer.alloc(8192, 0xa5)]));
    let error: unknown;
    try {
      track(new SqliteStore(file));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RegistryStoreError);
    expect((error as RegistryStoreError).code).toBe('MEDIATE_REGISTRY_STORE');
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/not a database/);
  });

  test.runIf(existsSync('/proc/self/fd'))('a failed open does not keep the file open', () => {
    const file = join(root, `garbage-${++counter}.db`);
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const descriptors = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      }).length;
    for (let i = 0; i < 3; i++) expect(() => new SqliteStore(file)).toThrow(RegistryStoreError);
    expect(descriptors()).toBe(0);
  });

  test('separate :memory: stores do not share data', async () => {
    const a = track(new SqliteStore(':memory:'));
    const b = track(new SqliteStore(':memory:'));
    await a.put('/k', text('a'));
    expect(await b.get('/k')).toBeNull();
  });
});
