import { readFileSync } from 'node:fs';
import type { MessageContext } from '../../message/message-context.js';
import type { MediationRegistry } from '../../runtime.js';
import { registerAuthentication } from '../authentication-factory.js';
import type { Authenticator, MutableRequest } from '../authenticator.js';
import { cacheKey, isStatic, resolveGrantRequest, where } from './grant-request.js';
import { parseOAuthConfig, type OAuthConfig } from './oauth-config.js';
import { TokenClient } from './token-client.js';
import { tokenManagerFor, type TokenContext, type TokenSource } from './token-manager.js';

/** Methods a backend may see twice without harm (RFC 9110 §9.2.2): only these are resent after a 401 by default. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Cache keys remembered for an endpoint's purge; a dynamic configuration could otherwise grow the set forever. */
const MAX_REMEMBERED_KEYS = 1000;

/**
 * `<oauth>` (reference §5.4): every request carries `Authorization: Bearer <token>`, the token coming from the
 * shared token cache. After a 401 the token is dropped and, for a request that may be resent, a new one is
 * fetched and the request sent once more; a second 401 goes back to the flow as it is.
 */
export class OAuthAuthenticator implements Authenticator {
  readonly kind = 'oauth';
  /** Which token each request was sent with, so a 401 purges that token and no newer one. */
  private readonly sent = new WeakMap<MutableRequest, { source: TokenSource; accessToken: string }>();
  private readonly keys = new Set<string>();
  private readonly fixed: boolean;
  private fixedSource: TokenSource | undefined;
  private client: TokenClient | undefined;

  constructor(readonly config: OAuthConfig) {
    this.fixed = isStatic(config);
  }

  async authorize(request: MutableRequest, mc: MessageContext): Promise<void> {
    const source = this.source(mc);
    const token = await tokenManagerFor(mc.runtime.registry).token(source, context(mc));
    this.apply(request, source, token.accessToken);
  }

  async retryAfterUnauthorized(request: MutableRequest, _response: unknown, mc: MessageContext): Promise<boolean> {
    const sent = this.sent.get(request);
    if (!sent) return false;
    const manager = tokenManagerFor(mc.runtime.registry);
    manager.invalidate(sent.source.key, sent.accessToken);
    if (!IDEMPOTENT.has(request.method.toUpperCase()) && !this.config.retryNonIdempotent) return false;
    const fresh = await manager.token(sent.source, context(mc));
    // The server handing out the refused token again: resending would only earn the same 401.
    if (fresh.accessToken === sent.accessToken) return false;
    this.apply(request, sent.source, fresh.accessToken);
    return true;
  }

  /** Drops this endpoint's tokens (those of every cache key it has used in this process) from memory and registry. */
  async purge(registry: MediationRegistry | undefined): Promise<void> {
    const manager = tokenManagerFor(registry);
    for (const key of this.keys) await manager.purge(key);
  }

  private apply(request: MutableRequest, source: TokenSource, accessToken: string): void {
    request.headers['authorization'] = `Bearer ${accessToken}`;
    this.sent.set(request, { source, accessToken });
  }

  private source(mc: MessageContext): TokenSource {
    if (this.fixedSource) return this.fixedSource;
    const grant = resolveGrantRequest(this.config, mc);
    const key = cacheKey(grant);
    if (this.keys.size >= MAX_REMEMBERED_KEYS) this.keys.delete(this.keys.values().next().value!);
    this.keys.add(key);
    const c = this.config;
    const caFile = mc.runtime.http?.options.caFile ?? undefined;
    const source: TokenSource = {
      key,
      label: { grant: c.grant, tokenUrl: where(grant.tokenUrl), clientId: grant.clientId },
      policy: c.cache,
      failureHttpStatus: c.failureHttpStatus,
      requestTimeoutMs: c.connectTimeoutMs + c.socketTimeoutMs,
      fetch: () => this.tokenClient(caFile).request(grant, c.failureHttpStatus),
    };
    if (this.fixed) this.fixedSource = source;
    return source;
  }

  /** Built on first use: the certificate authorities the gateway trusts for backends are trusted for token servers too. */
  private tokenClient(caFile: string | undefined): TokenClient {
    this.client ??= new TokenClient({
      connectTimeoutMs: this.config.connectTimeoutMs,
      socketTimeoutMs: this.config.socketTimeoutMs,
      ca: caFile ? readFileSync(caFile) : undefined,
    });
    return this.client;
  }
}

function context(mc: MessageContext): TokenContext {
  return { now: () => mc.runtime.now(), logger: mc.runtime.logger };
}

registerAuthentication('oauth', (node, cx, read) => {
  const config = parseOAuthConfig(node, cx, read);
  return config && new OAuthAuthenticator(config);
});
