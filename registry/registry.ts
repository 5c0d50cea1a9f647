import { MediationError } from '../engine/errors.js';
import { metrics } from '../engine/observability/metrics.js';
import type { MediationRegistry } from '../engine/runtime.js';
import { formatKey, parseKey, RegistryKeyError, SCOPES, type RegistryKey, type RegistryScope } from './key.js';
import { DEFAULT_MEDIA_TYPE, type RegistryStore, type Resource, type ResourceEntry, type StoreStatus } from './store.js';

export interface ScopeSettings {
  readonly store: RegistryStore;
  readonly readOnly: boolean;
}

export interface RegistryOptions {
  /** A regional gateway runs gov: sequences against its local registry (gateway.yaml redirectTo: local). */
  readonly redirectGovernanceTo?: 'local';
}

/** A write to a read-only scope: a fault that names the key and says what to use instead. */
export class RegistryReadOnlyError extends MediationError {
  constructor(key: RegistryKey) {
    const local = formatKey({ ...key, scope: 'local' });
    const setting = key.scope === 'gov' ? 'registry.governance.readOnly' : 'registry.config.readOnly';
    super(`cannot write registry key "${formatKey(key)}": the ${scopeName(key.scope)} registry is read-only on this gateway (${setting}); write "${local}" instead`, undefined, {
      code: 'MEDIATE_REGISTRY_READ_ONLY',
    });
  }
}

const READ_KEY_LIMIT = 1000;

function scopeName(scope: RegistryScope): string {
  return scope === 'gov' ? 'governance' : scope === 'conf' ? 'config' : 'local';
}

/**
 * The registry of a gateway: the governance, config and local stores behind keys with gov:/conf:/local:
 * prefixes (reference §4), the read-only switch of a regional gateway, and the gov:→local: redirection.
 * It is what mediation sees (get-property('registry', ...), property scope="registry", the script API) and
 * what the CLI and the admin API work with.
 */
export class Registry implements MediationRegistry {
  constructor(
    private readonly scopes: Readonly<Record<RegistryScope, ScopeSettings>>,
    readonly options: RegistryOptions = {},
  ) {}

  /** Keys mediation reads, parsed once: sequences read the same few keys on every message. */
  private readonly readKeys = new Map<string, { key: RegistryKey; settings: ScopeSettings }>();
  /** The text of each cached resource, decoded once (stores hand out the same Resource until it changes). */
  private readonly texts = new WeakMap<Resource, string>();
  private readonly reads = metrics.registryOperations.with('read');

  /** The key after redirection, with its store. */
  resolve(keyText: string, allowProperty = true): { key: RegistryKey; settings: ScopeSettings } {
    let key = parseKey(keyText, { allowProperty });
    if (key.scope === 'gov' && this.options.redirectGovernanceTo) key = { ...key, scope: this.options.redirectGovernanceTo };
    return { key, settings: this.scopes[key.scope] };
  }

  private readSync(keyText: string): Resource | null {
    this.reads.inc();
    let resolved = this.readKeys.get(keyText);
    if (!resolved) {
      resolved = this.resolve(keyText, false);
      // Keys built from message data ({dynamic}) could be endless; the common case is a handful of literal keys.
      if (this.readKeys.size >= READ_KEY_LIMIT) this.readKeys.clear();
      this.readKeys.set(keyText, resolved);
    }
    const { key, settings } = resolved;
    const store = settings.store;
    if (!store.getSync) throw new MediationError(`the ${scopeName(key.scope)} registry store (${store.description}) cannot be read synchronously`);
    return store.getSync(key.path);
  }

  readText(keyText: string): string | null {
    const resource = this.readSync(keyText);
    if (!resource || resource.collection) return null;
    let text = this.texts.get(resource);
    if (text === undefined) {
      text = resource.content.toString('utf8');
      this.texts.set(resource, text);
    }
    return text;
  }

  readProperty(keyText: string, property: string): string | null {
    return this.readSync(keyText)?.properties[property] ?? null;
  }

  readProperties(keyText: string): Record<string, string> | null {
    const resource = this.readSync(keyText);
    return resource ? { ...resource.properties } : null;
  }

  exists(keyText: string): boolean {
    return this.readSync(keyText) !== null;
  }

  /** Whether a write to the key would be accepted: false in a read-only scope (a regional gateway's gov:). */
  canWrite(keyText: string): boolean {
    return !this.resolve(keyText, false).settings.readOnly;
  }

  /** RegistryStore.tryLease on the key's store; a read-only scope refuses it as it refuses writes. */
  async tryLease(keyText: string, owner: string, ttlMs: number): Promise<boolean> {
    const { key, store } = this.writable(keyText);
    return store.tryLease(key.path, owner, ttlMs);
  }

  async releaseLease(keyText: string, owner: string): Promise<boolean> {
    const { key, store } = this.writable(keyText);
    return store.releaseLease(key.path, owner);
  }

  private writable(keyText: string, allowProperty = false): { key: RegistryKey; store: RegistryStore } {
    metrics.registryOperations.with('write').inc();
    const { key, settings } = this.resolve(keyText, allowProperty);
    if (key.path === '/') throw new RegistryKeyError(keyText, 'the root of a registry space is a collection and cannot be written');
    if (settings.readOnly) throw new RegistryReadOnlyError(key);
    return { key, store: settings.store };
  }

  /**
   * `property scope="registry"` (reference §4.4): create or overwrite the resource with the value as text/plain
   * content; with a property name, the resource is replaced by an empty one carrying only that property.
   */
  async write(keyText: string, value: string, property?: string): Promise<void> {
    const { key, store } = this.writable(keyText);
    const content = Buffer.from(property === undefined ? value : '', 'utf8');
    await store.put(key.path, { content, mediaType: DEFAULT_MEDIA_TYPE, properties: property === undefined ? {} : { [property]: value }, collection: false });
  }

  async update(keyText: string, value: string): Promise<boolean> {
    const { key, store } = this.writable(keyText);
    return store.updateContent(key.path, Buffer.from(value, 'utf8'));
  }

  async delete(keyText: string): Promise<void> {
    const { key, store } = this.writable(keyText);
    await store.delete(key.path);
  }

  /** A whole resource, for the CLI and admin API; a `@property` suffix is ignored. */
  async get(keyText: string): Promise<Resource | null> {
    const { key, settings } = this.resolve(keyText, true);
    return settings.store.get(key.path);
  }

  /** The administrative put: content, media type and properties, replacing the resource. */
  async put(keyText: string, content: Buffer, mediaType = DEFAULT_MEDIA_TYPE, properties: Record<string, string> = {}): Promise<void> {
    const { key, store } = this.writable(keyText);
    await store.put(key.path, { content, mediaType, properties, collection: false });
  }

  /** Sets one property of a resource, keeping its content (`mediate registry put KEY@prop VALUE`). */
  async setProperty(keyText: string, value: string | null): Promise<void> {
    const { key, store } = this.writable(keyText, true);
    if (key.property === undefined) throw new MediationError(`"${keyText}" names no property (KEY@property)`);
    await store.setProperty(key.path, key.property, value);
  }

  async list(keyText: string): Promise<ResourceEntry[]> {
    const { key, settings } = this.resolve(keyText, false);
    return settings.store.list(key.path);
  }

  async remove(keyText: string): Promise<boolean> {
    const { key, store } = this.writable(keyText);
    return store.delete(key.path);
  }

  /** For GET /health: degraded, with every reason, when a store is (a PostgreSQL store that lost its database). */
  status(): StoreStatus {
    const reasons = SCOPES.flatMap((scope) => {
      const status = this.scopes[scope].store.status?.();
      return status?.status === 'degraded' ? [`${scopeName(scope)} registry: ${status.reason}`] : [];
    });
    return reasons.length > 0 ? { status: 'degraded', reason: reasons.join('; ') } : { status: 'ok' };
  }

  async close(): Promise<void> {
    const stores = new Set(Object.values(this.scopes).map((s) => s.store));
    for (const store of stores) await store.close();
  }
}
