import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { parentPath } from './key.js';
import { RegistryStoreError, type RegistryStore, type Resource, type ResourceEntry, type ResourceInput } from './store.js';

interface Row {
  path: string;
  collection: number;
  media_type: string;
  content: Buffer;
  properties: string;
  modified: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (
  path TEXT PRIMARY KEY,
  parent TEXT,
  collection INTEGER NOT NULL DEFAULT 0,
  media_type TEXT NOT NULL,
  content BLOB NOT NULL,
  properties TEXT NOT NULL,
  modified INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_parent ON resources(parent);
CREATE TABLE IF NOT EXISTS leases (
  path TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires INTEGER NOT NULL
);
`;

/** Resource writes committed by any SqliteStore of this process, so that its other connections see them at once. */
let writesInProcess = 0;

/** Reads cached per process; a bound keeps a registry of many keys from growing the heap without limit. */
const CACHE_LIMIT = 10_000;

/**
 * The embedded registry store: one SQLite file through better-sqlite3, in WAL mode with a busy timeout, so
 * several gateway processes on one host share it safely. Each write is one transaction. Reads are served from
 * an in-process cache that is dropped on every local write and whenever SQLite's data_version shows that
 * another connection committed, so a read never returns a value older than the latest write.
 */
export class SqliteStore implements RegistryStore {
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Resource | null>();
  private seenVersion = -1;
  private caughtUp = false;
  private seenWrites = 0;
  private readonly statements;

  constructor(readonly file: string, options: { busyTimeoutMs?: number; readonly?: boolean } = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    let opened: Database.Database | undefined;
    try {
      opened = new Database(file, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
      if (!options.readonly) {
        opened.pragma('journal_mode = WAL');
        opened.pragma('synchronous = NORMAL');
        opened.exec(SCHEMA);
      }
      opened.prepare('SELECT count(*) FROM resources').get();
      this.db = opened;
    } catch (err) {
      // The connection opens before the file is checked; left open, every failed attempt would keep a descriptor.
      opened?.close();
      throw new RegistryStoreError(`cannot open the registry database ${file}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    this.statements = {
      version: db.prepare('PRAGMA data_version').pluck(),
      get: db.prepare<[string], Row>('SELECT path, collection, media_type, content, properties, modified FROM resources WHERE path = ?'),
      upsert: db.prepare(
        `INSERT INTO resources (path, parent, collection, media_type, content, properties, modified) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET collection = excluded.collection, media_type = excluded.media_type,
           content = excluded.content, properties = excluded.properties, modified = excluded.modified`,
      ),
      ensureCollection: db.prepare(
        `INSERT INTO resources (path, parent, collection, media_type, content, properties, modified) VALUES (?, ?, 1, '', x'', '{}', ?)
         ON CONFLICT(path) DO NOTHING`,
      ),
      children: db.prepare<[string], Row>('SELECT path, collection, media_type, modified FROM resources WHERE parent = ? ORDER BY path'),
      hasChildren: db.prepare<[string]>('SELECT 1 FROM resources WHERE parent = ? LIMIT 1').pluck(),
      deleteTree: db.prepare('DELETE FROM resources WHERE path = ? OR substr(path, 1, length(?) + 1) = ? || \'/\''),
      // One statement, so the check and the take are one atomic step: the upsert only overwrites a lease that has
      // lapsed or is the caller's own, and `changes` says whether it did.
      takeLease: db.prepare<[string, string, number, number]>(
        `INSERT INTO leases (path, owner, expires) VALUES (?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
         WHERE leases.owner = excluded.owner OR leases.expires <= ?`,
      ),
      releaseLease: db.prepare<[string, string]>('DELETE FROM leases WHERE path = ? AND owner = ?'),
    };
  }

  get description(): string {
    return `sqlite:${this.file}`;
  }

  async get(path: string): Promise<Resource | null> {
    return this.getSync(path);
  }

  getSync(path: string): Resource | null {
    this.catchUp();
    if (this.cache.has(path)) return this.cache.get(path)!;
    const row = this.statements.get.get(path);
    const resource = row ? toResource(row) : null;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(path, resource);
    return resource;
  }

  /**
   * Drops the cache when another connection has committed since the last look. One look per turn of the event
   * loop is enough: whatever this process handles in a turn was set off by an event that came before the look,
   * so a commit it could know of is seen (commits of this process are counted as they happen). The query per
   * read was a tenth of a gateway's CPU.
   */
  private catchUp(): void {
    // Another connection of this very process may have committed in this turn: that one is counted.
    if (this.caughtUp && this.seenWrites === writesInProcess) return;
    this.seenWrites = writesInProcess;
    const version = this.statements.version.get() as number;
    if (version !== this.seenVersion) {
      this.cache.clear();
      this.seenVersion = version;
    }
    this.caughtUp = true;
    setImmediate(() => (this.caughtUp = false));
  }

  async put(path: string, resource: ResourceInput): Promise<void> {
    this.write(() => {
      const existing = this.statements.get.get(path);
      if (existing?.collection && !resource.collection && this.statements.hasChildren.get(path)) {
        throw new RegistryStoreError(`${path} is a collection with children; delete it first to put a resource there`);
      }
      this.ensureParents(path);
      this.statements.upsert.run(path, parentPath(path), resource.collection ? 1 : 0, resource.mediaType, resource.content, JSON.stringify(resource.properties), Date.now());
    });
  }

  async updateContent(path: string, content: Buffer): Promise<boolean> {
    return this.write(() => {
      const row = this.statements.get.get(path);
      if (!row || row.collection) return false;
      this.statements.upsert.run(path, parentPath(path), 0, row.media_type, content, row.properties, Date.now());
      return true;
    });
  }

  async setProperty(path: string, name: string, value: string | null): Promise<void> {
    this.write(() => {
      const row = this.statements.get.get(path);
      const properties = row ? (JSON.parse(row.properties) as Record<string, string>) : {};
      if (value === null) delete properties[name];
      else properties[name] = value;
      if (!row) this.ensureParents(path);
      this.statements.upsert.run(path, parentPath(path), row?.collection ?? 0, row?.media_type ?? 'text/plain', row?.content ?? Buffer.alloc(0), JSON.stringify(properties), Date.now());
    });
  }

  async delete(path: string): Promise<boolean> {
    return this.write(() => {
      if (path === '/') {
        return this.db.prepare('DELETE FROM resources').run().changes > 0;
      }
      return this.statements.deleteTree.run(path, path, path).changes > 0;
    });
  }

  async list(path: string): Promise<ResourceEntry[]> {
    return this.statements.children.all(path).map((r) => ({
      path: r.path,
      collection: r.collection === 1,
      mediaType: r.media_type,
      modified: r.modified,
    }));
  }

  async tryLease(path: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.leaseWrite(() => this.statements.takeLease.run(path, owner, now + ttlMs, now).changes === 1);
  }

  async releaseLease(path: string, owner: string): Promise<boolean> {
    return this.leaseWrite(() => this.statements.releaseLease.run(path, owner).changes === 1);
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.db.close();
  }

  /** Runs `work` as one transaction and drops the read cache, whatever happens. */
  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (err) {
      if (err instanceof RegistryStoreError) throw err;
      throw new RegistryStoreError(`registry write failed in ${this.file}: ${(err as Error).message}`, { cause: err });
    } finally {
      this.cache.clear();
      writesInProcess++;
    }
  }

  /** A lease change: its own transaction, but no resource changed, so the read cache stays. */
  private leaseWrite<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (err) {
      throw new RegistryStoreError(`registry lease failed in ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Creates the missing ancestors of `path` as collections; an ancestor that is a plain resource is an error. */
  private ensureParents(path: string): void {
    const now = Date.now();
    for (let p = parentPath(path); p !== null && p !== '/'; p = parentPath(p)) {
      const row = this.statements.get.get(p);
      if (row && !row.collection) throw new RegistryStoreError(`cannot create ${path}: ${p} is a resource, not a collection`);
      if (row) break;
      this.statements.ensureCollection.run(p, parentPath(p), now);
    }
  }
}

function toResource(row: Row): Resource {
  return {
    content: row.content,
    mediaType: row.media_type,
    properties: JSON.parse(row.properties) as Record<string, string>,
    collection: row.collection === 1,
    modified: row.modified,
  };
}
