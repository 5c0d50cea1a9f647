import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '../error-codes.js';
import { MediationError } from '../errors.js';
import type { MessageContext } from '../message/message-context.js';
import { registerAuthentication } from './authentication-factory.js';
import type { Authenticator, MutableRequest } from './authenticator.js';
import type { BackendResponse } from './http-client.js';

/** Why a Digest challenge could not be answered. */
export type DigestFailure = 'malformed-challenge' | 'unsupported-challenge';

/**
 * Digest authentication could not answer the back end. Messages name the back end's origin and the reason,
 * never the password or a computed response.
 */
export class DigestAuthError extends MediationError {
  constructor(
    message: string,
    readonly reason: DigestFailure,
  ) {
    super(message, ErrorCode.ENDPOINT_AUTH_FAILURE, { code: 'MEDIATE_DIGEST_AUTH_FAILED', httpStatus: 502 });
  }
}

/** One challenge of a WWW-Authenticate field (RFC 9110 §11.6.1). Parameter names are lower-cased. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
  readonly token68: string | undefined;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

/**
 * Parses a WWW-Authenticate field value into its challenges. Several header lines arrive joined with commas,
 * so one value can hold several challenges, and a quoted string can hold commas of its own. Written here
 * because http-auth-utils 6.0.1, the maintained parser on npm, takes one challenge per value, refuses RFC 7616
 * parameters it does not know (userhash, charset) and does not unescape quoted strings.
 */
export function parseChallenges(field: string): AuthChallenge[] {
  const challenges: Array<{ scheme: string; params: Map<string, string>; token68: string | undefined }> = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new DigestAuthError(`malformed WWW-Authenticate header: ${why} at character ${i + 1}`, 'malformed-challenge');
  };
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
  const skipSpace = (): void => {
    while (isSpace(field[i])) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < field.length && TCHAR.test(field[i]!)) i++;
    return field.slice(start, i);
  };
  const quoted = (): string => {
    let out = '';
    i++;
    while (i < field.length) {
      const c = field[i++]!;
      if (c === '"') return out;
      if (c === '\\' && i < field.length) out += field[i++]!;
      else out += c;
    }
    return fail('unterminated quoted string');
  };
  // Real servers send unquoted nonces holding "/" or "=", which are not token characters: take any run up to a
  // separator rather than refusing them.
  const bare = (): string => {
    const start = i;
    while (i < field.length && field[i] !== ',' && field[i] !== '"' && !isSpace(field[i])) i++;
    return field.slice(start, i);
  };

  for (;;) {
    // RFC 9110 §5.6.1: empty list elements are allowed.
    while (i < field.length && (field[i] === ',' || isSpace(field[i]))) i++;
    if (i >= field.length) break;
    const name = token();
    if (!name) fail(`unexpected ${JSON.stringify(field[i])}`);
    skipSpace();
    const current = challenges.at(-1);
    if (field[i] === '=') {
      if (!current || current.token68 !== undefined) fail(`parameter ${name} belongs to no challenge`);
      i++;
      skipSpace();
      let value: string;
      if (field[i] === '"') value = quoted();
      else {
        value = bare();
        if (!value) fail(`parameter ${name} has no value`);
      }
      const key = name.toLowerCase();
      if (current!.params.has(key)) fail(`parameter ${name} is repeated`);
      current!.params.set(key, value);
      skipSpace();
      if (i < field.length && field[i] !== ',') fail('expected a comma');
      continue;
    }
    const challenge = { scheme: name, params: new Map<string, string>(), token68: undefined as string | undefined };
    challenges.push(challenge);
    TOKEN68.lastIndex = i;
    const m = TOKEN68.exec(field);
    if (m) {
      let j = i + m[0].length;
      while (isSpace(field[j])) j++;
      // `realm="x"` also starts like a token68; only a token68 ends the challenge.
      if (j >= field.length || field[j] === ',') {
        challenge.token68 = m[0];
        i = j;
      }
    }
  }
  return challenges;
}

interface DigestAlgorithm {
  /** As RFC 7616 §6.1 spells it, echoed in the Authorization header. */
  readonly name: string;
  /** The node:crypto hash. */
  readonly hash: string;
  /** `-sess` variants mix the nonce and cnonce into HA1. */
  readonly session: boolean;
}

const ALGORITHMS = new Map<string, DigestAlgorithm>(
  (
    [
      ['MD5', 'md5'],
      ['SHA-256', 'sha256'],
      ['SHA-512-256', 'sha512-256'],
    ] as const
  ).flatMap(([name, hash]): Array<[string, DigestAlgorithm]> => [
    [name.toLowerCase(), { name, hash, session: false }],
    [`${name.toLowerCase()}-sess`, { name: `${name}-sess`, hash, session: true }],
  ]),
);

/** A Digest challenge this client can answer. */
interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  readonly algorithm: DigestAlgorithm;
  readonly userhash: boolean;
  readonly stale: boolean;
}

/** The challenge, or why it cannot be answered. */
function digestChallenge(challenge: AuthChallenge): DigestChallenge | string {
  const p = challenge.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined) return 'the challenge has no realm';
  if (!nonce) return 'the challenge has no nonce';
  const algorithmName = p.get('algorithm') ?? 'MD5';
  const algorithm = ALGORITHMS.get(algorithmName.toLowerCase());
  if (!algorithm) return `algorithm ${algorithmName} is not supported (MD5, SHA-256, SHA-512-256 and their -sess variants are)`;
  const qop = p.get('qop');
  // Without qop there is no client nonce or nonce count (RFC 2069), which RFC 7616 no longer allows.
  if (!qop) return 'the challenge offers no qop, and Digest without qop=auth (RFC 2069) is not supported';
  const qops = qop.split(',').map((q) => q.trim().toLowerCase());
  if (!qops.includes('auth')) {
    return qops.includes('auth-int') ? 'the challenge only offers qop=auth-int, which is not supported' : `qop ${qop} is not supported (only auth is)`;
  }
  return {
    realm,
    nonce,
    opaque: p.get('opaque'),
    algorithm,
    userhash: p.get('userhash')?.toLowerCase() === 'true',
    stale: p.get('stale')?.toLowerCase() === 'true',
  };
}

export interface DigestAuthOptions {
  /** Makes client nonces; only tests reproducing RFC 7616's examples pass a fixed one. */
  readonly cnonce?: () => string;
}

/** Challenges kept per back-end origin: a templated endpoint may reach several hosts. */
const MAX_ORIGINS = 64;
/** Nonce counts kept: a few older nonces can still come back in 401s of messages that were in flight. */
const MAX_COUNTS = 256;
const MAX_NONCE_COUNT = 0xffffffff;

/**
 * `<digestAuth>`: HTTP Digest authentication (RFC 7616) with qop=auth. The first request to an origin goes out
 * without credentials; the 401's challenge is answered, and its nonce is then reused for the requests that
 * follow (each with the next nonce count and a fresh cnonce) until the server sends a new nonce or says the
 * old one is stale. One authenticator serves every message of its endpoint.
 */
export class DigestAuthenticator implements Authenticator {
  readonly kind = 'digestAuth';
  readonly #username: string;
  // A private field, so that inspecting or serialising the endpoint never shows it.
  readonly #password: string;
  readonly #cnonce: () => string;
  readonly #challenges = new Map<string, DigestChallenge>();
  readonly #counts = new Map<string, number>();
  /** The nonce each request was signed with, to tell a rejected nonce from rejected credentials. */
  readonly #signedWith = new WeakMap<MutableRequest, string>();

  constructor(username: string, password: string, options: DigestAuthOptions = {}) {
    this.#username = username;
    this.#password = password;
    this.#cnonce = options.cnonce ?? (() => randomBytes(16).toString('hex'));
  }

  async authorize(request: MutableRequest): Promise<void> {
    // The client's own credentials are for the gateway, not for this back end.
    delete request.headers['authorization'];
    const challenge = this.#challenges.get(request.url.origin);
    if (challenge) this.#sign(request, challenge);
  }

  async retryAfterUnauthorized(request: MutableRequest, response: BackendResponse, mc: MessageContext): Promise<boolean> {
    const origin = request.url.origin;
    const field = headerValue(response.headers, 'www-authenticate');
    const offered = field === undefined ? [] : parseChallenges(field).filter((c) => c.scheme.toLowerCase() === 'digest');
    if (offered.length === 0) {
      mc.runtime.logger.log('warn', `the back end ${origin} answered 401 without a Digest challenge; passing its response on`);
      return false;
    }
    const reasons: string[] = [];
    let challenge: DigestChallenge | undefined;
    // RFC 7616 §3.7: the first challenge the client supports.
    for (const c of offered) {
      const d = digestChallenge(c);
      if (typeof d === 'string') reasons.push(d);
      else {
        challenge = d;
        break;
      }
    }
    if (!challenge) throw new DigestAuthError(`cannot answer the Digest challenge of ${origin}: ${reasons.join('; ')}`, 'unsupported-challenge');
    const signedWith = this.#signedWith.get(request);
    // The server still takes the nonce, so it refused the credentials: sending them again cannot help.
    if (signedWith === challenge.nonce && !challenge.stale) return false;
    this.#remember(origin, challenge);
    return this.#sign(request, challenge);
  }

  #remember(origin: string, challenge: DigestChallenge): void {
    this.#challenges.delete(origin);
    this.#challenges.set(origin, challenge);
    if (this.#challenges.size > MAX_ORIGINS) this.#challenges.delete(this.#challenges.keys().next().value!);
  }

  /**
   * The next nonce count for a nonce. It is taken synchronously, so concurrent messages sharing the nonce each
   * get their own count, in the order they are signed.
   */
  #nextCount(origin: string, nonce: string): number | undefined {
    const key = `${origin} ${nonce}`;
    const count = (this.#counts.get(key) ?? 0) + 1;
    if (count > MAX_NONCE_COUNT) return undefined;
    this.#counts.delete(key);
    this.#counts.set(key, count);
    if (this.#counts.size > MAX_COUNTS) this.#counts.delete(this.#counts.keys().next().value!);
    return count;
  }

  #sign(request: MutableRequest, challenge: DigestChallenge): boolean {
    const origin = request.url.origin;
    const count = this.#nextCount(origin, challenge.nonce);
    if (count === undefined) {
      // The nonce is used up: go out without credentials and let the server issue a new one.
      if (this.#challenges.get(origin) === challenge) this.#challenges.delete(origin);
      delete request.headers['authorization'];
      return false;
    }
    const uri = request.url.pathname + request.url.search;
    const nc = count.toString(16).padStart(8, '0');
    const cnonce = this.#cnonce();
    request.headers['authorization'] = digestAuthorization({
      username: this.#username,
      password: this.#password,
      method: request.method,
      uri,
      challenge,
      nc,
      cnonce,
    });
    this.#signedWith.set(request, challenge.nonce);
    return true;
  }
}

interface SigningInput {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly challenge: DigestChallenge;
  readonly nc: string;
  readonly cnonce: string;
}

/** The Authorization header value for one request (RFC 7616 §3.4). */
function digestAuthorization(input: SigningInput): string {
  const { challenge: c, nc, cnonce } = input;
  const h = (text: string): string => createHash(c.algorithm.hash).update(text, 'utf8').digest('hex');
  let ha1 = h(`${input.username}:${c.realm}:${input.password}`);
  if (c.algorithm.session) ha1 = h(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  const response = h(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const params = [
    usernameParam(input.username, c, h),
    `realm=${quote(c.realm)}`,
    `uri=${quote(input.uri)}`,
    `algorithm=${c.algorithm.name}`,
    `nonce=${quote(c.nonce)}`,
    `nc=${nc}`,
    `cnonce=${quote(cnonce)}`,
    'qop=auth',
    `response=${quote(response)}`,
  ];
  if (c.opaque !== undefined) params.push(`opaque=${quote(c.opaque)}`);
  if (c.userhash) params.push('userhash=true');
  return `Digest ${params.join(', ')}`;
}

/** RFC 7616 §3.4.4: a hashed username if the server asks, `username*` (RFC 8187) when it cannot be quoted. */
function usernameParam(username: string, c: DigestChallenge, h: (text: string) => string): string {
  if (c.userhash) return `username=${quote(h(`${username}:${c.realm}`))}`;
  if (/^[\x20-\x7e]*$/.test(username)) return `username=${quote(username)}`;
  const encoded = encodeURIComponent(username).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `username*=UTF-8''${encoded}`;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

const SETTINGS = new Set(['username', 'password']);

registerAuthentication('digestAuth', (node, cx, read) => {
  for (const child of node.children) {
    if (!SETTINGS.has(child.name)) cx.diagnostics.warn(child.loc, `<${child.name}> is ignored in <digestAuth>: it takes <username> and <password>`);
  }
  const username = read(node, 'username', { required: true });
  const password = read(node, 'password', { required: true });
  if (username === undefined || password === undefined) return undefined;
  // A control character would end or split the Authorization header.
  if (/[\x00-\x1f\x7f]/.test(username)) {
    cx.diagnostics.error(node.child('username')?.loc ?? node.loc, '<digestAuth> <username> must not contain control characters');
    return undefined;
  }
  return new DigestAuthenticator(username, password);
});
