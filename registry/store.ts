import { MediateError } from '../engine/errors.js';

/** A registry resource (reference §4.1): content, media type, properties, last-modified time. */
export interface Resource {
  readonly content: Buffer;
  readonly mediaType: string;
  readonly properties: Readonly<Record<string, string>>;
  /** A collection (folder) has children and no content. */
  readonly collection: boolean;
  /** Epoch milliseconds of the last write. */
  readonly modified: number;
}

/** What a write supplies; `modified` is set by the store. */
export type ResourceInput = Omit<Resource, 'modified'>;

/** One child of a collection, as `ls` shows it. */
export interface ResourceEntry {
  readonly path: string;
  readonly collection: boolean;
  readonly mediaType: string;
  readonly modified: number;
}

export const DEFAULT_MEDIA_TYPE = 'text/plain';

/** Whether a store can do all it should (GET /health shows it): degraded says why, without secrets. */
export type StoreStatus = { readonly status: 'ok' } | { readonly status: 'degraded'; readonly reason: string };

/**
 * One storage space of the registry (governance, config or local) behind one interface: the SQLite store and
 * the PostgreSQL store implement it, and test/registry/contract.ts holds them both to the same behaviour.
 * Paths are normalised (`/a/b`). Every write is one transaction: it leaves either the old or the new value.
 */
export interface RegistryStore {
  /** Where the data lives, for messages (never contains a password). */
  readonly description: string;
  get(path: string): Promise<Resource | null>;
  /**
   * The same read, synchronously, for stores that can answer at once (SQLite, or PostgreSQL from its in-memory
   * copy); mediation reads registry keys inside XPath functions, which cannot wait.
   */
  getSync?(path: string): Resource | null;
  /** Creates or replaces the resource; missing parent collections are created. */
  put(path: string, resource: ResourceInput): Promise<void>;
  /** Replaces the content of an existing resource, keeping its properties and media type; false if absent. */
  updateContent(path: string, content: Buffer): Promise<boolean>;
  /** Sets (or, with null, removes) one property, creating an empty resource when there is none. */
  setProperty(path: string, name: string, value: string | null): Promise<void>;
  /** Deletes the resource or collection with everything below it; false if there was nothing. */
  delete(path: string): Promise<boolean>;
  /** The children of a collection; an empty list for a resource or a missing path. */
  list(path: string): Promise<ResourceEntry[]>;
  /**
   * Takes, or renews, the lease on `path` for `owner` until `ttlMs` from now, and says whether `owner` holds it:
   * true when it was free, expired or already `owner`'s. A compare-and-set in one transaction, so of processes
   * racing for a free lease exactly one wins, and the lease of an owner that died lapses after its TTL. Leases
   * are kept apart from resources: taking one creates, changes and lists no resource.
   */
  tryLease(path: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` still holds it (compare-and-delete); false when it was not, or no longer, its. */
  releaseLease(path: string, owner: string): Promise<boolean>;
  /** For stores behind a network (PostgreSQL): whether the database is reachable. A store without it is always ok. */
  status?(): StoreStatus;
  close(): Promise<void>;
}

/** The store refused or failed an operation (a path below a plain resource, a database error, ...). */
export class RegistryStoreError extends MediateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MEDIATE_REGISTRY_STORE', message, options);
  }
}
