import { createHash } from 'node:crypto';
import { MediateError } from '../../errors.js';
import { resolveDynamic, type DynamicValue } from '../../expression/dynamic-value.js';
import type { MessageContext } from '../../message/message-context.js';
import { isHttpUrl, type Grant, type OAuthConfig } from './oauth-config.js';
import { OAuthTokenError } from './oauth-error.js';

/** One token request with every value evaluated: what is sent, and what the cached token is filed under. */
export interface GrantRequest {
  readonly grant: Grant;
  readonly tokenUrl: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly refreshToken: string | undefined;
  readonly authMode: 'header' | 'payload';
  readonly parameters: ReadonlyArray<readonly [string, string]>;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** Whether the request is the same for every message, so it can be evaluated once. */
export function isStatic(config: OAuthConfig): boolean {
  const values: Array<DynamicValue | undefined> = [
    config.clientId, config.clientSecret, config.tokenUrl, config.username, config.password, config.refreshToken, config.authMode,
    ...config.parameters.map((p) => p.value), ...config.headers.map((h) => h.value),
  ];
  return values.every((v) => v === undefined || 'literal' in v);
}

/**
 * Evaluates the configuration for one message. A value that cannot be
 * evaluated, is empty where one is required, or a tokenUrl outside the allow-list fails the message with 303003,
 * naming the setting and never its value.
 */
export function resolveGrantRequest(config: OAuthConfig, mc: MessageContext): GrantRequest {
  const fail = (message: string, cause?: unknown) => new OAuthTokenError('configuration', `OAuth2 <${config.grant}>: ${message}`, config.failureHttpStatus, { cause });
  const evaluate = (what: string, value: DynamicValue): string => {
    if ('literal' in value) return value.literal;
    try {
      return resolveDynamic(value, mc);
    } catch (err) {
      if (err instanceof MediateError) throw fail(`<${what}> could not be evaluated`, err);
      throw err;
    }
  };
  const required = (what: string, value: DynamicValue | undefined): string => {
    const text = value === undefined ? '' : evaluate(what, value);
    if (text === '') throw fail(`<${what}> is empty for this message`);
    return text;
  };
  const urlText = required('tokenUrl', config.tokenUrl);
  if (!isHttpUrl(urlText)) throw fail('<tokenUrl> did not evaluate to an absolute http or https URL');
  const tokenUrl = new URL(urlText);
  if ('expression' in config.tokenUrl && !config.tokenUrlAllowList.some((allowed) => allows(allowed, tokenUrl))) {
    throw fail(`<tokenUrl> evaluated to ${where(tokenUrl)}, which <tokenUrlAllowList> does not allow`);
  }
  const authMode = evaluate('authMode', config.authMode);
  if (authMode !== 'header' && authMode !== 'payload') throw fail('<authMode> did not evaluate to header or payload');
  const headers = config.headers.map((h) => [h.name, evaluate(`header name="${h.name}"`, h.value)] as const);
  for (const [name, value] of headers) if (/[\r\n\0]/.test(value)) throw fail(`custom header "${name}" evaluated to a value with CR, LF or NUL`);
  return {
    grant: config.grant,
    tokenUrl,
    clientId: required('clientId', config.clientId),
    clientSecret: required('clientSecret', config.clientSecret),
    username: config.grant === 'passwordCredentials' ? required('username', config.username) : undefined,
    password: config.grant === 'passwordCredentials' ? required('password', config.password) : undefined,
    refreshToken: config.grant === 'authorizationCode' ? required('refreshToken', config.refreshToken) : undefined,
    authMode,
    parameters: config.parameters.map((p) => [p.name, evaluate(`parameter name="${p.name}"`, p.value)] as const),
    headers,
  };
}

/**
 * The cache key (backend-auth.md R7): a SHA-256 over everything that decides which token the server issues:
 * token URL, client, grant, user, the extra parameters (scope, audience, resource, ...) and fingerprints of the
 * secrets. A changed secret or scope therefore files tokens under a new key, and the key reveals none of them.
 * Custom headers and authMode are left out: they change how a token is asked for, not which one is issued.
 */
export function cacheKey(request: GrantRequest): string {
  const fingerprint = (secret: string | undefined) => (secret === undefined ? null : sha256(secret));
  const parameters = [...request.parameters].sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)));
  const material = [
    request.tokenUrl.href, request.clientId, request.grant, request.username ?? null, parameters,
    fingerprint(request.clientSecret), fingerprint(request.password), fingerprint(request.refreshToken),
  ];
  return sha256(JSON.stringify(material));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Same origin (scheme, host, port), and the path within the allowed one: a prefix match on text would let `https://idp.test` allow `https://idp.test.evil.example`. */
function allows(allowed: string, url: URL): boolean {
  const a = new URL(allowed);
  return a.origin === url.origin && url.pathname.startsWith(a.pathname) && url.username === '' && url.password === '';
}

/** The token URL for messages: scheme, host and path, without a query that might carry something secret. */
export function where(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
