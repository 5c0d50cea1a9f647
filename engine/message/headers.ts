import { MediationError } from '../errors.js';

/**
 * Transport headers: Synapse keeps them in a map with case-insensitive keys (reference §1.4). The name first
 * written is kept for output, so a backend sees the spelling the sequence used.
 */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export class HeaderMap {
  private readonly entries = new Map<string, { name: string; value: string }>();

  static from(init: Iterable<[string, string]> | Record<string, string | string[] | undefined>): HeaderMap {
    const map = new HeaderMap();
    const pairs = Symbol.iterator in init ? (init as Iterable<[string, string]>) : Object.entries(init);
    for (const [name, value] of pairs) {
      if (value === undefined) continue;
      map.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    return map;
  }

  get(name: string): string | undefined {
    return this.entries.get(name.toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** Refuses names that are not HTTP tokens and values with CR, LF or NUL: such a header would split the request. */
  set(name: string, value: string): void {
    if (!HEADER_NAME.test(name)) throw new MediationError(`"${printable(name)}" is not a valid HTTP header name`);
    if (/[\r\n\0]/.test(value)) throw new MediationError(`the value of header "${name}" contains CR, LF or NUL`);
    const key = name.toLowerCase();
    const existing = this.entries.get(key);
    this.entries.set(key, { name: existing?.name ?? name, value });
  }

  /**
   * For a header an HTTP parser has already accepted (the client's request, a backend's response): Node and
   * undici refuse bad names and CR/LF in values, so the checks of set() would only repeat theirs per header.
   */
  setParsed(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.entries.get(key);
    this.entries.set(key, { name: existing?.name ?? name, value });
  }

  /** Calls `fn` for each header in order: cheaper than the iterator on the per-request paths. */
  forEach(fn: (name: string, value: string) => void): void {
    for (const entry of this.entries.values()) fn(entry.name, entry.value);
  }

  delete(name: string): void {
    this.entries.delete(name.toLowerCase());
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const { name, value } of this.entries.values()) yield [name, value];
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this) out[name] = value;
    return out;
  }

  clone(): HeaderMap {
    const copy = new HeaderMap();
    for (const [key, entry] of this.entries) copy.entries.set(key, { ...entry });
    return copy;
  }
}
