import { Agent, type Dispatcher } from 'undici';
import { ErrorCode } from '../../error-codes.js';
import { backendErrorFor } from '../backend-error.js';
import { where, type GrantRequest } from './grant-request.js';
import type { Grant } from './oauth-config.js';
import { OAuthTokenError, type TokenFailure } from './oauth-error.js';

/** What a valid token response (backend-auth.md R4) gives; expires_in is judged by token-lifetime.ts. */
export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: unknown;
  readonly scope: string | undefined;
}

export interface TokenClientOptions {
  readonly connectTimeoutMs: number;
  readonly socketTimeoutMs: number;
  /** Extra trusted certificate authorities (the gateway's backends.caFile). */
  readonly ca?: Buffer | undefined;
}

const GRANT_TYPES: Record<Grant, string> = { clientCredentials: 'client_credentials', passwordCredentials: 'password', authorizationCode: 'refresh_token' };
/** A token response is a few hundred bytes; a server sending more is broken or hostile. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Sends token requests (reference §5.4) and validates the answers. It has its own connection pool so that the
 * token server's timeouts are the oauth element's, and TLS verification is always on, whatever the backend
 * client allows (R10): credentials go only to a server that proves who it is.
 */
export class TokenClient {
  private readonly agent: Agent;

  constructor(private readonly options: TokenClientOptions) {
    this.agent = new Agent({ connect: { timeout: options.connectTimeoutMs, rejectUnauthorized: true, ...(options.ca ? { ca: options.ca } : {}) } });
  }

  async request(grant: GrantRequest, failureStatus: number): Promise<IssuedToken> {
    const url = grant.tokenUrl;
    const fail = (reason: TokenFailure, why: string, cause?: unknown) =>
      new OAuthTokenError(reason, `OAuth2 token request to ${where(url)} failed: ${why}`, failureStatus, { cause });
    const deadline = AbortSignal.timeout(this.options.connectTimeoutMs + this.options.socketTimeoutMs);
    let status: number;
    let body: Buffer;
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: tokenRequestHeaders(grant),
        body: tokenRequestBody(grant),
        signal: deadline,
        headersTimeout: this.options.socketTimeoutMs,
        bodyTimeout: this.options.socketTimeoutMs,
      });
      status = response.statusCode;
      body = await readLimited(response.body);
    } catch (err) {
      if (err instanceof OAuthTokenError) throw err;
      if (deadline.aborted) throw fail('timeout', `no answer within ${this.options.connectTimeoutMs + this.options.socketTimeoutMs} ms`, err);
      // Classified as for back ends (reference §7.2), and worded for a token server.
      const mapped = backendErrorFor(err, url.origin);
      const e = err as { code?: string; cause?: { code?: string } };
      const code = e.code ?? e.cause?.code ?? 'unknown error';
      switch (mapped.errorCode) {
        case ErrorCode.CONNECT_TIMEOUT:
          throw fail('timeout', `no connection within ${this.options.connectTimeoutMs} ms`, err);
        case ErrorCode.CONNECTION_TIMEOUT:
          throw fail('timeout', `no answer within ${this.options.socketTimeoutMs} ms`, err);
        case ErrorCode.CONNECTION_FAILED:
          throw fail('connection', `cannot connect (${code})`, err);
        default:
          throw fail('connection', `the connection failed (${code})`, err);
      }
    }
    return parseTokenResponse(status, body, (reason, why) => fail(reason, why));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Form-URL-encoding of one value (application/x-www-form-urlencoded: space as `+`, everything else escaped). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * client_secret_basic (RFC 6749 §2.3.1): id and secret are form-URL-encoded before they are joined with `:`
 * and Base64-encoded, so a `:` in the id, or a `%` or space in either, reaches the server unchanged.
 */
export function basicCredentials(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

export function tokenRequestHeaders(grant: GrantRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of grant.headers) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/x-www-form-urlencoded';
  headers['accept'] = 'application/json';
  if (grant.authMode === 'header') headers['authorization'] = basicCredentials(grant.clientId, grant.clientSecret);
  return headers;
}

/**
 * The form body. Unlike Synapse, which appends the extra parameters unencoded, every field is
 * form-URL-encoded (R8), so a value with `&` or `=` stays one value.
 */
export function tokenRequestBody(grant: GrantRequest): string {
  const form = new URLSearchParams({ grant_type: GRANT_TYPES[grant.grant] });
  if (grant.grant === 'passwordCredentials') {
    form.append('username', grant.username!);
    form.append('password', grant.password!);
  } else if (grant.grant === 'authorizationCode') {
    form.append('refresh_token', grant.refreshToken!);
  }
  if (grant.authMode === 'payload') {
    form.append('client_id', grant.clientId);
    form.append('client_secret', grant.clientSecret);
  }
  for (const [name, value] of grant.parameters) form.append(name, value);
  return form.toString();
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      return Buffer.alloc(0);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A registered OAuth error code (`invalid_client`, ...) is safe and useful in a message; free text is not. */
const ERROR_CODE = /^[a-z_]{1,64}$/;

/**
 * Validates a token response (R4): a 2xx status, a JSON object, a non-empty access_token that can be sent in
 * a header, and token_type Bearer in any case. A missing token_type is refused too: RFC 6749 §5.1 requires it,
 * and a token of unknown type must not be sent as a Bearer token. Failures say what was wrong without quoting
 * the response, except a well-formed OAuth `error` code.
 */
export function parseTokenResponse(
  status: number,
  body: Buffer,
  fail: (reason: TokenFailure, why: string) => OAuthTokenError,
): IssuedToken {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  const object = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  if (status < 200 || status > 299) {
    const code = typeof object?.['error'] === 'string' && ERROR_CODE.test(object['error']) ? ` (${object['error']})` : '';
    throw fail('http-status', `the token server answered HTTP ${status}${code}`);
  }
  if (!object) throw fail('not-json', 'the response is not a JSON object');
  const token = object['access_token'];
  if (typeof token !== 'string' || token === '') throw fail('no-access-token', 'the response has no access_token');
  if (!/^[\x21-\x7e]+$/.test(token)) throw fail('no-access-token', 'the access_token has characters a header cannot carry');
  const type = object['token_type'];
  if (type === undefined) throw fail('token-type', 'the response has no token_type (RFC 6749 §5.1 requires it)');
  if (typeof type !== 'string' || type.toLowerCase() !== 'bearer') throw fail('token-type', 'the token_type is not Bearer');
  return { accessToken: token, expiresIn: object['expires_in'], scope: typeof object['scope'] === 'string' ? object['scope'] : undefined };
}
