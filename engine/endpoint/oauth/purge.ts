import type { MediationRegistry } from '../../runtime.js';
import type { Endpoint } from '../endpoint.js';
import { OAuthAuthenticator } from './oauth-authenticator.js';
import { tokenManagerFor, type TokenMetadata } from './token-manager.js';
import { TOKENS_PATH } from './token-store.js';

export { TOKENS_PATH };

/**
 * Manual purge (backend-auth.md R13), for the admin API and the CLI: every OAuth2 token of the registry's
 * cache, or those of one cache key, from this process's memory and from the registry. The next message asks
 * the token server again. Deleting `gov:/mediate/oauth2/tokens/<key>` (or local:) with `mediate registry rm`
 * purges the persisted copy too; running processes drop their in-memory copy at its refresh time or on a 401.
 */
export async function purgeTokens(registry: MediationRegistry | undefined, cacheKey?: string): Promise<void> {
  await tokenManagerFor(registry).purge(cacheKey);
}

/** Purges the tokens of one endpoint; false when it has no OAuth2 authentication. */
export async function purgeEndpointTokens(endpoint: Endpoint, registry: MediationRegistry | undefined): Promise<boolean> {
  const auth = endpoint.settings.authenticator;
  if (!(auth instanceof OAuthAuthenticator)) return false;
  await auth.purge(registry);
  return true;
}

/** The cached tokens of this process, without the tokens themselves (R12): for the admin API. */
export function tokenMetadata(registry: MediationRegistry | undefined): TokenMetadata[] {
  return tokenManagerFor(registry).metadata();
}
