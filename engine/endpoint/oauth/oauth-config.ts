import type { ConfigNode } from '../../config/config-node.js';
import type { SourceLocation } from '../../config/diagnostics.js';
import { resolveReference } from '../../config/gateway-config.js';
import { didYouMean } from '../../config/suggest.js';
import { MediateError } from '../../errors.js';
import { compileDynamic, type DynamicValue } from '../../expression/dynamic-value.js';
import type { CompileContext } from '../../mediator.js';
import { isHeaderName } from '../../message/headers.js';
import type { ValueReader } from '../authentication-factory.js';
import { HOP_BY_HOP } from '../http-client.js';

/** The grant elements of `<oauth>` (reference §5.4); authorizationCode runs the refresh_token grant. */
export const GRANTS = ['clientCredentials', 'passwordCredentials', 'authorizationCode'] as const;
export type Grant = (typeof GRANTS)[number];

export interface NamedValue {
  readonly name: string;
  readonly value: DynamicValue;
}

/** How long tokens are trusted and how hard a failing token server is backed off. */
export interface CachePolicy {
  /** Lifetime assumed when a response has no expires_in: Synapse's fixed cache timeout. */
  readonly defaultExpiresInS: number;
  /** Longest lifetime believed, whatever expires_in says. */
  readonly maxExpiresInS: number;
  /** After a failed token request, callers fail fast for a random time in this range. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
}

/** `<authentication><oauth>` of an http endpoint, compiled: every value a literal or a per-message expression. */
export interface OAuthConfig {
  readonly grant: Grant;
  readonly clientId: DynamicValue;
  readonly clientSecret: DynamicValue;
  readonly tokenUrl: DynamicValue;
  readonly username: DynamicValue | undefined;
  readonly password: DynamicValue | undefined;
  readonly refreshToken: DynamicValue | undefined;
  /** `header` (client_secret_basic) or `payload` (client_secret_post); may be an expression. */
  readonly authMode: DynamicValue;
  readonly parameters: readonly NamedValue[];
  readonly headers: readonly NamedValue[];
  readonly connectTimeoutMs: number;
  /** Longest wait for the response head, and between body chunks. */
  readonly socketTimeoutMs: number;
  readonly cache: CachePolicy;
  /** Resend a non-idempotent request after a 401 (Synapse always does; Mediate only when asked). */
  readonly retryNonIdempotent: boolean;
  /** HTTP status a client gets when no token can be had and no fault flow answers. */
  readonly failureHttpStatus: 502 | 503;
  /** URLs an expression tokenUrl must stay within (same origin, path below); needed only when tokenUrl is an expression. */
  readonly tokenUrlAllowList: readonly string[];
  readonly loc: SourceLocation;
}

export const DEFAULTS = {
  connectTimeoutMs: 10_000,
  socketTimeoutMs: 30_000,
  cache: { defaultExpiresInS: 3000, maxExpiresInS: 86_400, backoffMinMs: 1000, backoffMaxMs: 5000 },
} as const;

const SECRETS = ['clientSecret', 'password', 'refreshToken'] as const;
const GRANT_ONLY: Record<string, Grant> = { username: 'passwordCredentials', password: 'passwordCredentials', refreshToken: 'authorizationCode' };
const TIMEOUTS = ['connectionTimeout', 'connectionRequestTimeout', 'socketTimeout'];
/** Mediate's additions to the Synapse children (docs/backend-auth.md). */
const EXTENSIONS = ['defaultExpiresIn', 'maxExpiresIn', 'failureBackoffMin', 'failureBackoffMax', 'retryNonIdempotent', 'failureHttpStatus', 'tokenUrlAllowList'];
const KNOWN = [
  'clientId', 'clientSecret', 'tokenUrl', 'username', 'password', 'refreshToken', 'authMode', 'requestParameters', 'customHeaders',
  ...TIMEOUTS, 'useGlobalConnectionTimeoutConfigs', 'useGlobalProxyConfigs', 'proxyConfigs', ...EXTENSIONS,
];
const AUTH_MODES = ['header', 'payload'];
/** Form fields the grant and client authentication set; an extra parameter of the same name would contradict them. */
const RESERVED_PARAMETERS = new Set(['grant_type', 'client_id', 'client_secret', 'username', 'password', 'refresh_token']);
/** Headers a token request sets itself; a custom header may not replace its framing or body type. */
const RESERVED_HEADERS = new Set([...HOP_BY_HOP, 'content-type']);

/** Compiles `<oauth>`: exactly one grant element with the children reference §5.4 requires for it. */
export function parseOAuthConfig(node: ConfigNode, cx: CompileContext, read: ValueReader): OAuthConfig | undefined {
  const grants = node.children.filter((c) => (GRANTS as readonly string[]).includes(c.name));
  for (const other of node.children.filter((c) => !grants.includes(c))) {
    cx.diagnostics.error(other.loc, `<oauth> has no child <${other.name}>${didYouMean(other.name, [...GRANTS])}; it takes one of ${GRANTS.map((g) => `<${g}>`).join(', ')}`);
  }
  for (const attr of node.attributes.values()) unknown(node, attr.name, attr.loc, cx);
  if (grants.length !== 1) {
    cx.diagnostics.error(grants[1]?.loc ?? node.loc, `<oauth> needs exactly one grant element (${GRANTS.map((g) => `<${g}>`).join(', ')}), not ${grants.length}`);
    return undefined;
  }
  return parseGrant(grants[0]!, cx, read);
}

function parseGrant(node: ConfigNode, cx: CompileContext, read: ValueReader): OAuthConfig | undefined {
  const grant = node.name as Grant;
  const errorsBefore = cx.diagnostics.errors.length;
  checkChildren(node, grant, cx);
  const value = (name: string, required: boolean) => setting(node, name, required, cx, read);
  const clientId = value('clientId', true);
  const clientSecret = value('clientSecret', true);
  const tokenUrl = value('tokenUrl', true);
  const username = grant === 'passwordCredentials' ? value('username', true) : undefined;
  const password = grant === 'passwordCredentials' ? value('password', true) : undefined;
  const refreshToken = grant === 'authorizationCode' ? value('refreshToken', true) : undefined;
  const authMode = value('authMode', false) ?? { literal: 'header' };
  if ('literal' in authMode && !AUTH_MODES.includes(authMode.literal)) {
    cx.diagnostics.error(locOf(node, 'authMode'), `<authMode> must be header or payload, not "${authMode.literal}"`);
  }
  const allowList = (read(node, 'tokenUrlAllowList') ?? '').split(/[\s,]+/).filter((p) => p !== '');
  for (const allowed of allowList) {
    if (!isHttpUrl(allowed)) cx.diagnostics.error(locOf(node, 'tokenUrlAllowList'), `<tokenUrlAllowList> holds absolute http or https URLs, not "${allowed}"`);
  }
  if (tokenUrl) checkTokenUrl(node, tokenUrl, allowList, cx);
  for (const name of SECRETS) {
    const raw = rawText(node, name);
    if (raw !== undefined && raw !== '' && !/^\$\{(env|file):/.test(raw) && !raw.startsWith('{')) {
      cx.diagnostics.warn(locOf(node, name), `<${name}> is written in the configuration; keep secrets in \${env:NAME} or \${file:/path} references`);
    }
  }
  const useGlobalTimeouts = flag(node, 'useGlobalConnectionTimeoutConfigs', read, cx) ?? false;
  if (flag(node, 'useGlobalProxyConfigs', read, cx)) {
    cx.diagnostics.warn(locOf(node, 'useGlobalProxyConfigs'), 'Mediate has no global proxy settings: token requests go to the token URL directly');
  }
  // Zero would mean no limit to undici, and an instant abort to the overall deadline: neither is a timeout.
  const connectTimeoutMs = number(node, 'connectionTimeout', read, cx, 1);
  const socketTimeoutMs = number(node, 'socketTimeout', read, cx, 1);
  const retryNonIdempotent = flag(node, 'retryNonIdempotent', read, cx) ?? false;
  if (number(node, 'connectionRequestTimeout', read, cx) !== undefined) {
    cx.diagnostics.warn(locOf(node, 'connectionRequestTimeout'), '<connectionRequestTimeout> is ignored: connectionTimeout and socketTimeout bound the token request');
  }
  const d = DEFAULTS.cache;
  const cache: CachePolicy = {
    defaultExpiresInS: number(node, 'defaultExpiresIn', read, cx) ?? d.defaultExpiresInS,
    maxExpiresInS: number(node, 'maxExpiresIn', read, cx) ?? d.maxExpiresInS,
    backoffMinMs: number(node, 'failureBackoffMin', read, cx) ?? d.backoffMinMs,
    backoffMaxMs: number(node, 'failureBackoffMax', read, cx) ?? d.backoffMaxMs,
  };
  if (cache.backoffMaxMs < cache.backoffMinMs) {
    cx.diagnostics.error(locOf(node, 'failureBackoffMax'), `<failureBackoffMax> (${cache.backoffMaxMs}) is below <failureBackoffMin> (${cache.backoffMinMs})`);
  }
  const failureHttpStatus = number(node, 'failureHttpStatus', read, cx) ?? 502;
  if (failureHttpStatus !== 502 && failureHttpStatus !== 503) {
    cx.diagnostics.error(locOf(node, 'failureHttpStatus'), `<failureHttpStatus> must be 502 or 503, not ${failureHttpStatus}`);
  }
  const parameters = namedValues(node, 'requestParameters', 'parameter', cx);
  const headers = namedValues(node, 'customHeaders', 'header', cx);
  for (const p of parameters) {
    if (RESERVED_PARAMETERS.has(p.name)) cx.diagnostics.error(node.child('requestParameters')!.loc, `"${p.name}" cannot be a request parameter: the grant sets it`);
  }
  for (const h of headers) {
    if (!isHeaderName(h.name) || RESERVED_HEADERS.has(h.name.toLowerCase())) {
      cx.diagnostics.error(node.child('customHeaders')!.loc, `"${h.name}" cannot be a custom header of the token request`);
    } else if ('literal' in h.value && /[\r\n\0]/.test(h.value.literal)) {
      cx.diagnostics.error(node.child('customHeaders')!.loc, `the value of custom header "${h.name}" contains CR, LF or NUL`);
    }
  }
  if (cx.diagnostics.errors.length > errorsBefore || !clientId || !clientSecret || !tokenUrl) return undefined;
  return {
    grant,
    clientId,
    clientSecret,
    tokenUrl,
    username,
    password,
    refreshToken,
    authMode,
    parameters,
    headers,
    connectTimeoutMs: useGlobalTimeouts ? DEFAULTS.connectTimeoutMs : (connectTimeoutMs ?? DEFAULTS.connectTimeoutMs),
    socketTimeoutMs: useGlobalTimeouts ? DEFAULTS.socketTimeoutMs : (socketTimeoutMs ?? DEFAULTS.socketTimeoutMs),
    cache,
    retryNonIdempotent,
    failureHttpStatus: failureHttpStatus as 502 | 503,
    tokenUrlAllowList: allowList,
    loc: node.loc,
  };
}

/** Unknown children: a warning in XML (Synapse ignores them), an error in YAML (a typo would go unnoticed). */
function checkChildren(node: ConfigNode, grant: Grant, cx: CompileContext): void {
  const present = [...node.children.map((c) => ({ name: c.name, loc: c.loc })), ...[...node.attributes.values()].map((a) => ({ name: a.name, loc: a.loc }))];
  for (const { name, loc } of present) {
    if (name === 'proxyConfigs') {
      cx.diagnostics.error(loc, '<proxyConfigs> is not supported: Mediate cannot send token requests through a proxy');
    } else if (!KNOWN.includes(name)) {
      unknown(node, name, loc, cx);
    } else if (GRANT_ONLY[name] && GRANT_ONLY[name] !== grant) {
      const message = `<${name}> belongs to <${GRANT_ONLY[name]}>, not <${grant}>`;
      if (node.source === 'yaml') cx.diagnostics.error(loc, message);
      else cx.diagnostics.warn(loc, `${message}; it is ignored`);
    }
  }
}

function unknown(node: ConfigNode, name: string, loc: SourceLocation, cx: CompileContext): void {
  const message = `<${node.name}> has no child "${name}"${didYouMean(name, KNOWN)}`;
  if (node.source === 'yaml') cx.diagnostics.error(loc, message);
  else cx.diagnostics.warn(loc, `${message}; Synapse ignores it`);
}

/** The setting as written: the child's text, or in YAML the attribute. */
function rawText(node: ConfigNode, name: string): string | undefined {
  const child = node.child(name);
  return child ? child.text.trim() : node.attr(name)?.trim();
}

function locOf(node: ConfigNode, name: string): SourceLocation {
  return node.child(name)?.loc ?? node.attrLoc(name);
}

/**
 * A value that may be a per-message expression (`{...}`). The braces are recognised in the text as written,
 * before `${env:...}` and `${file:...}` references are resolved, so a secret that happens to look like `{x}`
 * is never evaluated as an expression.
 */
function setting(node: ConfigNode, name: string, required: boolean, cx: CompileContext, read: ValueReader): DynamicValue | undefined {
  const raw = rawText(node, name);
  if (raw !== undefined && raw.startsWith('{') && raw.endsWith('}')) return compiled(raw, node, locOf(node, name), name, cx);
  const text = read(node, name, { required });
  return text === undefined ? undefined : { literal: text };
}

function compiled(raw: string, node: ConfigNode, loc: SourceLocation, what: string, cx: CompileContext): DynamicValue | undefined {
  try {
    return compileDynamic(raw, node.namespaces);
  } catch (err) {
    if (!(err instanceof MediateError)) throw err;
    cx.diagnostics.error(loc, `<${what}>: ${err.message}`);
    return undefined;
  }
}

/** Settings that shape the client itself (timeouts, policies) are fixed at load: literals or references only. */
function number(node: ConfigNode, name: string, read: ValueReader, cx: CompileContext, min = 0): number | undefined {
  const text = read(node, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    cx.diagnostics.error(locOf(node, name), `<${name}> must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${text}"`);
    return undefined;
  }
  return n;
}

function flag(node: ConfigNode, name: string, read: ValueReader, cx: CompileContext): boolean | undefined {
  const text = read(node, name);
  if (text === undefined) return undefined;
  if (text !== 'true' && text !== 'false') {
    cx.diagnostics.error(locOf(node, name), `<${name}> must be true or false, not "${text}"`);
    return undefined;
  }
  return text === 'true';
}

/**
 * A static tokenUrl must be an absolute http(s) URL. One computed per message could be steered by request data
 * towards an internal address (SSRF, backend-auth.md R10), so an expression is accepted only together with an
 * allow-list of URLs that every computed URL is checked against.
 */
function checkTokenUrl(node: ConfigNode, tokenUrl: DynamicValue, allowList: readonly string[], cx: CompileContext): void {
  if ('expression' in tokenUrl) {
    if (allowList.length === 0) {
      cx.diagnostics.error(locOf(node, 'tokenUrl'), '<tokenUrl> is an expression: add <tokenUrlAllowList> with the URLs it may produce, so request data cannot choose where credentials are sent');
    }
    return;
  }
  if (!isHttpUrl(tokenUrl.literal)) cx.diagnostics.error(locOf(node, 'tokenUrl'), `<tokenUrl> must be an absolute http or https URL, not "${tokenUrl.literal}"`);
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `<requestParameters><parameter name="n">v</parameter>` and `<customHeaders><header name="n">v</header>`. */
function namedValues(node: ConfigNode, container: string, item: string, cx: CompileContext): NamedValue[] {
  const parent = node.child(container);
  if (!parent) return [];
  const out: NamedValue[] = [];
  for (const child of parent.children) {
    if (child.name !== item) {
      cx.diagnostics.error(child.loc, `<${container}> holds <${item}> elements, not <${child.name}>`);
      continue;
    }
    const name = child.attr('name');
    if (!name) {
      cx.diagnostics.error(child.loc, `<${item}> in <${container}> needs a name`);
      continue;
    }
    const raw = child.text.trim();
    const value = raw.startsWith('{') && raw.endsWith('}') ? compiled(raw, child, child.loc, item, cx) : literalOf(child, raw, cx);
    if (value) out.push({ name, value });
  }
  return out;
}

/** A parameter or header value: literal text, or a `${env:...}`/`${file:...}` reference as for the other settings. */
function literalOf(child: ConfigNode, raw: string, cx: CompileContext): DynamicValue | undefined {
  try {
    return { literal: resolveReference(raw, process.env) };
  } catch (err) {
    cx.diagnostics.error(child.loc, `<${child.name} name="${child.attr('name')}">: ${(err as Error).message}`);
    return undefined;
  }
}
