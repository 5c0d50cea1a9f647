import { parentPath } from '../key.js';
import type { Resource } from '../store.js';

/**
 * The paths a change to `paths` can have touched: each path, its ancestors (a put creates missing parent
 * collections) and everything below it (a delete removes a subtree). `exact` and `prefixes` are what the
 * database query for those rows needs; `covers` is the same test in memory.
 */
export class ChangedPaths {
  readonly exact: string[];
  readonly prefixes: string[];

  constructor(paths: Iterable<string>) {
    const exact = new Set<string>();
    const prefixes = new Set<string>();
    for (const path of paths) {
      for (let p: string | null = path; p !== null; p = parentPath(p)) exact.add(p);
      prefixes.add(path === '/' ? '/' : `${path}/`);
    }
    this.exact = [...exact];
    this.prefixes = [...prefixes];
  }

  covers(path: string): boolean {
    return this.exact.includes(path) || this.prefixes.some((prefix) => path.startsWith(prefix));
  }
}

/**
 * The in-memory copy of one registry space that a PostgreSQL store answers synchronous reads from, and the
 * change counter value it reflects. It holds every resource of the space: the governance registry is small
 * (tokens, uploaded flows, a few resources), and mediation cannot wait for a query.
 */
export class Replica {
  /** The database version the whole copy is known to be at; -1 before the first load. */
  private at = -1;
  private readonly resources = new Map<string, Resource>();

  get version(): number {
    return this.at;
  }

  get(path: string): Resource | null {
    return this.resources.get(path) ?? null;
  }

  /** Replaces the whole copy by `resources`, read at `version`. */
  load(resources: Iterable<[string, Resource]>, version: number): void {
    this.resources.clear();
    for (const [path, resource] of resources) this.resources.set(path, resource);
    this.at = version;
  }

  /**
   * Replaces what `changed` covers by `resources`, read in one snapshot at `version` or later. The copy's own
   * version moves only when no change can lie between it and `version`: `complete` says the caller read every
   * change since the copy's version, else the change must be the very next one.
   */
  patch(changed: ChangedPaths, resources: Iterable<[string, Resource]>, version: number, complete: boolean): void {
    for (const path of [...this.resources.keys()]) if (changed.covers(path)) this.resources.delete(path);
    for (const [path, resource] of resources) this.resources.set(path, resource);
    if (complete || version === this.at + 1) this.at = Math.max(this.at, version);
  }
}
