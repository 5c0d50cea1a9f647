import type { Element } from '@xmldom/xmldom';
import type { PayloadLimits } from './message/payload.js';
import type { Endpoint } from './endpoint/endpoint.js';
import type { HttpClient } from './endpoint/http-client.js';
import type { FaultHandler } from './message/message-context.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Where mediators and the engine write log lines; the gateway plugs its structured logger in here. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  isEnabled(level: LogLevel): boolean;
}

/** A local entry's value: text, an XML element, or something loaded from a file. */
export type LocalEntryValue = string | Element;

/** The artifacts a running message can look up by key (reference §4.1: local definitions shadow the registry). */
export interface ArtifactLookup {
  sequence(key: string): FaultHandler | undefined;
  localEntry(key: string): LocalEntryValue | undefined;
  endpoint(key: string): Endpoint | undefined;
}

/**
 * The registry as mediation sees it (reference §4). Reads are synchronous so that XPath functions can use them;
 * a store that cannot answer synchronously throws RegistryMiss, and the interpreter loads the key and runs the
 * mediator again.
 */
export interface MediationRegistry {
  /** Resource content as text, or null when there is no such resource. */
  readText(key: string): string | null;
  /** A resource property, or null. */
  readProperty(key: string, property: string): string | null;
  /** All properties of a resource, or null when there is no such resource. */
  readProperties(key: string): Record<string, string> | null;
  exists(key: string): boolean;
  /** `property scope="registry"`: create or overwrite (reference §4.4). */
  write(key: string, value: string, property?: string): Promise<void>;
  /** Replaces the content of an existing resource, keeping its properties; false when there is none. */
  update(key: string, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /*
   * What a cache shared between processes and gateways needs (the OAuth2 token cache of endpoint
   * authentication). Optional, so that test doubles need not implement them; without them the cache stays in
   * the process.
   */
  /** Whether a write to the key would be accepted (false in a read-only governance registry). */
  canWrite?(key: string): boolean;
  /** Creates or replaces a resource with its content and properties in one write. */
  put?(key: string, content: Buffer, mediaType?: string, properties?: Record<string, string>): Promise<void>;
  /** Takes or renews a lease for `owner` until `ttlMs` from now; true when `owner` holds it (RegistryStore.tryLease). */
  tryLease?(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives up `owner`'s lease; false when it was not, or no longer, its. */
  releaseLease?(key: string, owner: string): Promise<boolean>;
}

export interface Runtime {
  readonly artifacts: ArtifactLookup;
  /** The backend HTTP client; absent where no backend may be called. */
  readonly http: HttpClient | undefined;
  readonly registry: MediationRegistry | undefined;
  readonly logger: Logger;
  readonly limits: { readonly payload: PayloadLimits; readonly scriptTimeoutMs: number };
  /** Environment variables visible to get-property('env', ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): number;
}
