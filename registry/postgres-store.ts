import pg from 'pg';
import type { Logger } from '../engine/runtime.js';
import { parentPath } from './key.js';
import { ChangeListener, CHANNEL } from './postgres/change-listener.js';
import { ChangedPaths, Replica } from './postgres/replica.js';
import { migrate } from './postgres/schema.js';
import { DatabaseUrl } from './postgres/url.js';
import { RegistryStoreError, type RegistryStore, type Resource, type ResourceEntry, type ResourceInput, type StoreStatus } from './store.js';

/** The registry spaces that may live in PostgreSQL: the shared ones. The local registry belongs to one node. */
export type SharedSpace = 'governance' | 'config';

export interface PostgresStoreOptions {
  readonly url: string;
  readonly space: SharedSpace;
  /** Where the database's outages and recoveries are reported. */
  readonly logger?: Logger;
}

/** The fallback for lost notifications, and the health probe: well under the one second a change may take. */
const POLL_MS = 400;
/** Changes remembered for nodes catching up; one that missed more reloads the whole space. */
const CHANGES_KEPT = 10_000;
const PRUNE_EVERY = 100;
/** Beyond this many missed changes, one full reload beats reloading path by path. */
const MAX_INCREMENTAL = 1000;
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 3000;
/** A query on a connection that silently died would otherwise wait for TCP to give up, minutes later. */
const QUERY_TIMEOUT_MS = 10_000;
const KEEPALIVE_MS = 10_000;

interface Row {
  path: string;
  collection: boolean;
  media_type: string;
  content: Buffer;
  properties: string;
  modified: string;
}

const COLUMNS = 'path, collection, media_type, content, properties, modified';

/** A write's effect, read inside its transaction, for the writer's own copy. */
interface Applied {
  readonly version: number;
  readonly changed: ChangedPaths;
  readonly rows: Array<[string, Resource]>;
}

/**
 * A shared registry space (governance, or config) in PostgreSQL, for a cluster of gateways. Every write is one
 * transaction that also bumps the space's change counter, records the changed path and NOTIFYs the other
 * nodes. Each node keeps the whole space in memory (postgres/replica.ts) so that mediation reads it
 * synchronously; the copy follows the database through notifications, a check every POLL_MS in case one was
 * lost, and a catch-up after taking a lease or before an asynchronous read. When the database is unreachable
 * the copy keeps serving mediation, writes fail, and status() and the log say so until it is back.
 */
export class PostgresStore implements RegistryStore {
  private readonly replica = new Replica();
  private readonly pool: pg.Pool;
  private readonly listener: ChangeListener;
  /** Pulls and the application of a node's own writes to its copy, one at a time: see exclusive(). */
  private queue: Promise<unknown> = Promise.resolve();
  private queuedPull: Promise<void> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private outage: { readonly since: number; readonly reason: string } | undefined;
  private closed = false;

  private constructor(
    private readonly url: DatabaseUrl,
    private readonly space: SharedSpace,
    private readonly logger: Logger | undefined,
  ) {
    const config: pg.ClientConfig = {
      connectionString: url.raw,
      application_name: `mediate-registry-${space}`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      // The listening connection runs no queries: keepalive probes are how it learns that a silent network died.
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_MS,
    };
    this.pool = new pg.Pool({ ...config, max: POOL_SIZE });
    // An idle connection the server closed (a restart): the pool drops it, and the next check reports the outage.
    this.pool.on('error', () => undefined);
    this.listener = new ChangeListener(
      config,
      (payload) => this.notified(payload),
      () => this.refreshInBackground(),
    );
  }

  /**
   * Connects, creates or migrates the tables, starts listening and loads the space. The database must be
   * reachable: a node that cannot load the registry has nothing safe to serve.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(new DatabaseUrl(options.url, `registry.${options.space}.url`), options.space, options.logger);
    try {
      await store.connection((c) => migrate(c, store.space));
      // Listening before loading: a change committed in between is announced, not missed.
      await store.listener.start();
      await store.refresh();
    } catch (err) {
      await store.close();
      throw new RegistryStoreError(`cannot open the registry database ${store.description}: ${store.reason(err)}`);
    }
    store.poller = setInterval(() => store.refreshInBackground(), POLL_MS).unref();
    return store;
  }

  get description(): string {
    return `${this.url.shown} (${this.space})`;
  }

  status(): StoreStatus {
    if (!this.outage) return { status: 'ok' };
    const since = new Date(this.outage.since).toISOString();
    return { status: 'degraded', reason: `the database ${this.description} has been unreachable since ${since} (${this.outage.reason}); reads are served from this node's copy and writes fail` };
  }

  /** The latest state of the database: the copy, after catching up. */
  async get(path: string): Promise<Resource | null> {
    await this.refresh();
    return this.replica.get(path);
  }

  /** The copy as last synchronised, at most about POLL_MS behind the database while it is reachable. */
  getSync(path: string): Resource | null {
    return this.replica.get(path);
  }

  async put(path: string, resource: ResourceInput): Promise<void> {
    await this.write(path, 'registry write', async (c) => {
      const existing = await this.row(c, path);
      if (existing?.collection && !resource.collection && (await this.hasChildren(c, path))) {
        throw new RegistryStoreError(`${path} is a collection with children; delete it first to put a resource there`);
      }
      await this.ensureParents(c, path);
      await this.upsert(c, path, resource.collection, resource.mediaType, resource.content, JSON.stringify(resource.properties));
      return { result: undefined, changed: true };
    });
  }

  async updateContent(path: string, content: Buffer): Promise<boolean> {
    return this.write(path, 'registry write', async (c) => {
      const row = await this.row(c, path);
      if (!row || row.collection) return { result: false, changed: false };
      await this.upsert(c, path, false, row.media_type, content, row.properties);
      return { result: true, changed: true };
    });
  }

  async setProperty(path: string, name: string, value: string | null): Promise<void> {
    await this.write(path, 'registry write', async (c) => {
      const row = await this.row(c, path);
      const properties = row ? (JSON.parse(row.properties) as Record<string, string>) : {};
      if (value === null) delete properties[name];
      else properties[name] = value;
      if (!row) await this.ensureParents(c, path);
      await this.upsert(c, path, row?.collection ?? false, row?.media_type ?? 'text/plain', row?.content ?? Buffer.alloc(0), JSON.stringify(properties));
      return { result: undefined, changed: true };
    });
  }

  async delete(path: string): Promise<boolean> {
    return this.write(path, 'registry delete', async (c) => {
      const { rowCount } =
        path === '/'
          ? await c.query('DELETE FROM mediate_registry_resources WHERE space = $1', [this.space])
          : await c.query('DELETE FROM mediate_registry_resources WHERE space = $1 AND (path = $2 OR starts_with(path, $3))', [this.space, path, `${path}/`]);
      return { result: (rowCount ?? 0) > 0, changed: (rowCount ?? 0) > 0 };
    });
  }

  async list(path: string): Promise<ResourceEntry[]> {
    const { rows } = await this.db('registry list', () =>
      this.pool.query<Pick<Row, 'path' | 'collection' | 'media_type' | 'modified'>>(
        'SELECT path, collection, media_type, modified FROM mediate_registry_resources WHERE space = $1 AND parent = $2 ORDER BY path',
        [this.space, path],
      ),
    );
    return rows.map((r) => ({ path: r.path, collection: r.collection, mediaType: r.media_type, modified: Number(r.modified) }));
  }

  async tryLease(path: string, owner: string, ttlMs: number): Promise<boolean> {
    // One statement, so the check and the take are one atomic step; expiry is on the database's clock, which
    // every node shares.
    const { rowCount } = await this.db('registry lease', () =>
      this.pool.query(
        `INSERT INTO mediate_registry_leases (space, path, owner, expires_at)
         VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4::float8 / 1000))
         ON CONFLICT (space, path) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE mediate_registry_leases.owner = excluded.owner OR mediate_registry_leases.expires_at <= clock_timestamp()`,
        [this.space, path, owner, ttlMs],
      ),
    );
    const held = rowCount === 1;
    // The previous holder wrote what it fetched before it let go; its notification may still be on its way, and
    // the new holder must not miss that write and fetch again.
    if (held) await this.refresh();
    return held;
  }

  async releaseLease(path: string, owner: string): Promise<boolean> {
    const { rowCount } = await this.db('registry lease', () =>
      this.pool.query('DELETE FROM mediate_registry_leases WHERE space = $1 AND path = $2 AND owner = $3', [this.space, path, owner]),
    );
    return rowCount === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    await this.listener.close();
    await this.queue;
    await this.pool.end();
  }

  /**
   * Runs `work` as one transaction that, when it changed something, moves the space to its next version:
   * the counter row is locked first, so writes to the space take turns, and the rows the change touched are
   * read back before commit, as they are at that version, for this node's copy.
   */
  private async write<T>(path: string, what: string, work: (c: pg.PoolClient) => Promise<{ result: T; changed: boolean }>): Promise<T> {
    const { result, applied } = await this.db(what, () =>
      this.transaction(async (c): Promise<{ result: T; applied?: Applied }> => {
        const current = await this.counter(c, true);
        const { result, changed } = await work(c);
        if (!changed) return { result };
        const version = current + 1;
        await c.query('UPDATE mediate_registry_versions SET version = $2 WHERE space = $1', [this.space, version]);
        await c.query('INSERT INTO mediate_registry_changes (space, version, path) VALUES ($1, $2, $3)', [this.space, version, path]);
        if (version % PRUNE_EVERY === 0) await c.query('DELETE FROM mediate_registry_changes WHERE space = $1 AND version <= $2', [this.space, version - CHANGES_KEPT]);
        const touched = new ChangedPaths([path]);
        const rows = await this.rowsCovered(c, touched);
        // Delivered at commit, and only if the transaction commits.
        await c.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ space: this.space, version })]);
        return { result, applied: { version, changed: touched, rows } };
      }),
    );
    if (applied) {
      await this.exclusive(() => {
        this.replica.patch(applied.changed, applied.rows, applied.version, false);
        // Another node's change came between the copy's version and this one: fetch it.
        if (this.replica.version < applied.version) this.refreshInBackground();
      });
    }
    return result;
  }

  /**
   * Brings the copy up to the database's latest version. A call waits for a pull that starts after it, so it
   * sees every write committed before it; calls made while a pull is still queued share that pull.
   */
  private refresh(): Promise<void> {
    this.queuedPull ??= this.exclusive(async () => {
      this.queuedPull = undefined;
      await this.db('registry read', () => this.pull());
      this.recovered();
    });
    return this.queuedPull;
  }

  /** A refresh nobody waits for: its failure is already in status() and the log. */
  private refreshInBackground(): void {
    if (!this.closed) this.refresh().catch(() => undefined);
  }

  private async pull(): Promise<void> {
    const latest = await this.counter(this.pool, false);
    if (latest === this.replica.version) return;
    // One snapshot for the counter, the changes and the rows, so the copy lands exactly on one version.
    const apply = await this.transaction(async (c) => {
      const version = await this.counter(c, false);
      const known = this.replica.version;
      if (known >= 0 && version > known && version - known <= MAX_INCREMENTAL) {
        const { rows } = await c.query<{ path: string }>('SELECT path FROM mediate_registry_changes WHERE space = $1 AND version > $2', [this.space, known]);
        // Fewer changes than versions: some were pruned, so only a full reload is sure to be complete.
        if (rows.length === version - known) {
          const changed = new ChangedPaths(rows.map((r) => r.path));
          const resources = await this.rowsCovered(c, changed);
          return () => this.replica.patch(changed, resources, version, true);
        }
      }
      const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM mediate_registry_resources WHERE space = $1`, [this.space]);
      return () => this.replica.load(rows.map(entry), version);
    }, true);
    apply();
  }

  private notified(payload: string): void {
    let note: { space?: unknown; version?: unknown };
    try {
      note = JSON.parse(payload) as typeof note;
    } catch {
      return; // not one of ours: another program may use the channel name
    }
    if (note.space === this.space && typeof note.version === 'number' && note.version > this.replica.version) this.refreshInBackground();
  }

  /**
   * Applies to the copy one at a time: a pull's snapshot is taken and applied, and a write's rows applied, in
   * turn. A write's rows are therefore never overwritten by a pull whose snapshot predates them.
   */
  private exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs one database operation: a failure becomes a RegistryStoreError, and a lost database an outage. */
  private async db<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof RegistryStoreError) throw err;
      const reason = this.reason(err);
      if (connectionLost(err)) this.lost(reason);
      throw new RegistryStoreError(`${what} failed in ${this.description}: ${reason}`);
    }
  }

  private transaction<T>(work: (c: pg.PoolClient) => Promise<T>, readOnly = false): Promise<T> {
    return this.connection(async (client, broken) => {
      await client.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => broken(rollbackError));
        throw err;
      }
    });
  }

  /** Runs `work` on a pooled connection; `broken` marks it as failed, so that it is closed, not reused. */
  private async connection<T>(work: (c: pg.PoolClient, broken: (err: Error) => void) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    const broken = (err: Error) => (failure ??= err);
    // A checked-out connection has no listener of the pool's: without this, its 'error' would end the process.
    client.on('error', broken);
    try {
      return await work(client, broken);
    } finally {
      client.off('error', broken);
      client.release(failure);
    }
  }

  private lost(reason: string): void {
    if (this.outage || this.closed) return;
    this.outage = { since: Date.now(), reason };
    this.logger?.log('warn', `registry.${this.space}: the database ${this.url.shown} is unreachable (${reason}); mediation goes on with this node's copy of the registry, and registry writes fail until it is back`);
  }

  private recovered(): void {
    if (!this.outage) return;
    const seconds = ((Date.now() - this.outage.since) / 1000).toFixed(1);
    this.outage = undefined;
    this.logger?.log('info', `registry.${this.space}: the database ${this.url.shown} is reachable again after ${seconds} s; this node's copy is up to date (version ${this.replica.version})`);
  }

  /** An error's message as it may be shown: the URL and password masked. */
  private reason(err: unknown): string {
    return this.url.scrub(messageOf(err));
  }

  private async counter(c: pg.Pool | pg.PoolClient, lock: boolean): Promise<number> {
    const { rows } = await c.query<{ version: string }>(`SELECT version FROM mediate_registry_versions WHERE space = $1${lock ? ' FOR UPDATE' : ''}`, [this.space]);
    if (!rows[0]) throw new RegistryStoreError(`the change counter of the ${this.space} space is missing from mediate_registry_versions; restarting a gateway recreates it`);
    return Number(rows[0].version);
  }

  private async row(c: pg.PoolClient, path: string): Promise<Row | undefined> {
    const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM mediate_registry_resources WHERE space = $1 AND path = $2`, [this.space, path]);
    return rows[0];
  }

  private async hasChildren(c: pg.PoolClient, path: string): Promise<boolean> {
    const { rowCount } = await c.query('SELECT 1 FROM mediate_registry_resources WHERE space = $1 AND parent = $2 LIMIT 1', [this.space, path]);
    return (rowCount ?? 0) > 0;
  }

  private async rowsCovered(c: pg.PoolClient, changed: ChangedPaths): Promise<Array<[string, Resource]>> {
    const { rows } = await c.query<Row>(
      `SELECT ${COLUMNS} FROM mediate_registry_resources
       WHERE space = $1 AND (path = ANY($2::text[]) OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS p(prefix) WHERE starts_with(path, p.prefix)))`,
      [this.space, changed.exact, changed.prefixes],
    );
    return rows.map(entry);
  }

  private async upsert(c: pg.PoolClient, path: string, collection: boolean, mediaType: string, content: Buffer, properties: string): Promise<void> {
    await c.query(
      `INSERT INTO mediate_registry_resources (space, path, parent, collection, media_type, content, properties, modified)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (space, path) DO UPDATE SET collection = excluded.collection, media_type = excluded.media_type,
         content = excluded.content, properties = excluded.properties, modified = excluded.modified`,
      [this.space, path, parentPath(path), collection, mediaType, content, properties, Date.now()],
    );
  }

  /** Creates the missing ancestors of `path` as collections; an ancestor that is a plain resource is an error. */
  private async ensureParents(c: pg.PoolClient, path: string): Promise<void> {
    const now = Date.now();
    for (let p = parentPath(path); p !== null && p !== '/'; p = parentPath(p)) {
      const row = await this.row(c, p);
      if (row && !row.collection) throw new RegistryStoreError(`cannot create ${path}: ${p} is a resource, not a collection`);
      if (row) break;
      await c.query(
        `INSERT INTO mediate_registry_resources (space, path, parent, collection, media_type, content, properties, modified)
         VALUES ($1, $2, $3, true, '', '\\x', '{}', $4) ON CONFLICT (space, path) DO NOTHING`,
        [this.space, p, parentPath(p), now],
      );
    }
  }
}

function entry(row: Row): [string, Resource] {
  return [
    row.path,
    {
      content: row.content,
      mediaType: row.media_type,
      properties: JSON.parse(row.properties) as Record<string, string>,
      collection: row.collection,
      modified: Number(row.modified),
    },
  ];
}

/**
 * Whether an error means the database could not be reached or dropped the connection, rather than refusing a
 * statement: network errors, timeouts, and the SQLSTATE classes of connection failures and shutdowns.
 */
function connectionLost(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError)) return true;
  return /^(08|57P)/.test(err.code ?? '');
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
