import type { MediationRegistry } from '../../runtime.js';
import { sha256 } from './grant-request.js';

/** A token as it is cached, in memory and in the registry. Times are epoch milliseconds. */
export interface CachedToken {
  readonly accessToken: string;
  /** When it was asked for: its lifetime counts from there, so a slow answer shortens it, never lengthens it. */
  readonly generatedAt: number;
  /** When the token server's lifetime (expires_in) ends. */
  readonly expiresAt: number;
  readonly scope: string | undefined;
}

/** What the registry keeps beside a token, so an operator can tell tokens apart without seeing them. */
export interface TokenLabel {
  readonly grant: string;
  readonly tokenUrl: string;
  readonly clientId: string;
}

/** Registry folder of persisted tokens: `<scope>:/mediate/oauth2/tokens/<cache key>`. */
export const TOKENS_PATH = '/mediate/oauth2/tokens';

/**
 * Tokens persisted in the registry, so that the processes of a node and the gateways sharing a governance
 * registry use one token (backend-auth.md R2). The token is the resource's content; generatedAt, expiresAt
 * (epoch ms), scope, grant, tokenUrl, clientId and a digest of the token are its properties. Tokens go to
 * gov: where it is writable, else (a regional gateway) to local:. Leases that make one process the one to ask
 * the token server are taken in local: (the processes of this node) and, for tokens in gov:, in gov: too (the
 * gateways sharing it). Registry failures are thrown; the token manager decides how to degrade.
 */
export class RegistryTokenStore {
  private constructor(
    private readonly registry: MediationRegistry & Required<Pick<MediationRegistry, 'put'>>,
    readonly scope: 'gov' | 'local',
  ) {}

  /** The store over a registry that can persist tokens, or undefined (no registry, or a test double). */
  static over(registry: MediationRegistry | undefined): RegistryTokenStore | undefined {
    if (!registry?.put) return undefined;
    const writable = registry.canWrite?.(`gov:${TOKENS_PATH}`) ?? true;
    return new RegistryTokenStore(registry as MediationRegistry & Required<Pick<MediationRegistry, 'put'>>, writable ? 'gov' : 'local');
  }

  keyOf(cacheKey: string, scope: 'gov' | 'local' = this.scope): string {
    return `${scope}:${TOKENS_PATH}/${cacheKey}`;
  }

  /**
   * The persisted token, or undefined. Content and properties are two reads; the digest property tells a token
   * from one written between them, which is then taken as no token rather than paired with the wrong expiry.
   */
  read(cacheKey: string): CachedToken | undefined {
    const key = this.keyOf(cacheKey);
    const properties = this.registry.readProperties(key);
    if (!properties) return undefined;
    const accessToken = this.registry.readText(key);
    const generatedAt = Number(properties['generatedAt']);
    const expiresAt = Number(properties['expiresAt']);
    if (!accessToken || properties['digest'] !== sha256(accessToken) || !Number.isFinite(generatedAt) || !Number.isFinite(expiresAt)) return undefined;
    return { accessToken, generatedAt, expiresAt, scope: properties['scope'] || undefined };
  }

  async write(cacheKey: string, token: CachedToken, label: TokenLabel): Promise<void> {
    await this.registry.put(this.keyOf(cacheKey), Buffer.from(token.accessToken, 'utf8'), 'text/plain', {
      generatedAt: String(token.generatedAt),
      expiresAt: String(token.expiresAt),
      ...(token.scope ? { scope: token.scope } : {}),
      grant: label.grant,
      tokenUrl: label.tokenUrl,
      clientId: label.clientId,
      digest: sha256(token.accessToken),
    });
  }

  async remove(cacheKey: string): Promise<void> {
    await this.registry.delete(this.keyOf(cacheKey));
  }

  /** Every persisted token this gateway can write: the admin purge. */
  async removeAll(): Promise<void> {
    for (const scope of ['gov', 'local'] as const) {
      if (this.registry.canWrite?.(`${scope}:${TOKENS_PATH}`) ?? true) await this.registry.delete(`${scope}:${TOKENS_PATH}`);
    }
  }

  get canLease(): boolean {
    return this.registry.tryLease !== undefined && this.registry.releaseLease !== undefined;
  }

  private leaseScopes(): Array<'gov' | 'local'> {
    return this.scope === 'gov' ? ['local', 'gov'] : ['local'];
  }

  /**
   * Takes the leases for refreshing one token: local: first, so that the processes of this node queue there
   * and only one of them competes for the gov: lease with other gateways. True when all are held. A lease
   * already held is renewed, so calling again after a partial success is how to wait for the rest.
   */
  async tryLease(cacheKey: string, owner: string, ttlMs: number): Promise<boolean> {
    for (const scope of this.leaseScopes()) {
      if (!(await this.registry.tryLease!(this.keyOf(cacheKey, scope), owner, ttlMs))) return false;
    }
    return true;
  }

  async releaseLease(cacheKey: string, owner: string): Promise<void> {
    for (const scope of this.leaseScopes().reverse()) await this.registry.releaseLease!(this.keyOf(cacheKey, scope), owner);
  }
}
