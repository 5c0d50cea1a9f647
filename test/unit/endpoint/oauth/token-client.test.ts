import { describe, expect, test } from 'vitest';
import type { GrantRequest } from '../../../../engine/endpoint/oauth/grant-request.js';
import { OAuthTokenError, type TokenFailure } from '../../../../engine/endpoint/oauth/oauth-error.js';
import { basicCredentials, formEncode, parseTokenResponse, tokenRequestBody, tokenRequestHeaders } from '../../../../engine/endpoint/oauth/token-client.js';
import { ErrorCode } from '../../../../engine/error-codes.js';

const grant = (over: Partial<GrantRequest> = {}): GrantRequest => ({
  grant: 'clientCredentials',
  tokenUrl: new URL('https://idp.test/token'),
  clientId: 'client',
  clientSecret: 'secret',
  username: undefined,
  password: undefined,
  refreshToken: undefined,
  authMode: 'header',
  parameters: [],
  headers: [],
  ...over,
});

const fail = (reason: TokenFailure, why: string) => new OAuthTokenError(reason, `token request failed: ${why}`, 502);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const parse = (status: number, body: Buffer) => parseTokenResponse(status, body, fail);

function failure(status: number, body: Buffer): OAuthTokenError {
  try {
    parse(status, body);
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthTokenError);
    return err as OAuthTokenError;
  }
  throw new Error('expected the response to be refused');
}

describe('client authentication (RFC 6749 §2.3.1, backend-auth.md R8)', () => {
  test('client_secret_basic form-URL-encodes id and secret before Base64', () => {
    const header = basicCredentials('my:client id%', 'p@ss word:%/+&=');
    expect(header.startsWith('Basic ')).toBe(true);
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    expect(decoded).toBe('my%3Aclient+id%25:p%40ss+word%3A%25%2F%2B%26%3D');
    // Exactly one unencoded colon separates them, so the server can split the pair unambiguously.
    expect(decoded.split(':')).toHaveLength(2);
    const [id, secret] = decoded.split(':').map((s) => decodeURIComponent(s.replace(/\+/g, '%20')));
    expect([id, secret]).toEqual(['my:client id%', 'p@ss word:%/+&=']);
  });

  test('non-ASCII is UTF-8 percent-encoded', () => {
    expect(formEncode('é ü')).toBe('%C3%A9+%C3%BC');
  });

  test('authMode header: Basic credentials and nothing of the client in the body', () => {
    const headers = tokenRequestHeaders(grant());
    expect(headers['authorization']).toBe(basicCredentials('client', 'secret'));
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers['accept']).toBe('application/json');
    expect(tokenRequestBody(grant())).toBe('grant_type=client_credentials');
  });

  test('authMode payload (client_secret_post): id and secret as form fields, no Authorization header', () => {
    const g = grant({ authMode: 'payload', clientSecret: 'a&b=c d' });
    expect(tokenRequestHeaders(g)['authorization']).toBeUndefined();
    expect(new URLSearchParams(tokenRequestBody(g)).get('client_secret')).toBe('a&b=c d');
    expect(tokenRequestBody(g)).toBe('grant_type=client_credentials&client_id=client&client_secret=a%26b%3Dc+d');
  });

  test('custom headers are sent, but the framing, accept and Authorization headers are the client’s', () => {
    const headers = tokenRequestHeaders(grant({ headers: [['X-Tenant', 'acme'], ['Accept', 'text/html'], ['Authorization', 'Bearer x']] }));
    expect(headers['x-tenant']).toBe('acme');
    expect(headers['accept']).toBe('application/json');
    expect(headers['authorization']).toBe(basicCredentials('client', 'secret'));
  });
});

describe('token request body', () => {
  test('password and refresh-token grants, extra parameters form-encoded (unlike Synapse)', () => {
    const p = grant({ grant: 'passwordCredentials', username: 'alice', password: 'pw & more', parameters: [['scope', 'read write'], ['resource', 'https://api.test/?a=1&b=2']] });
    const form = new URLSearchParams(tokenRequestBody(p));
    expect([...form]).toEqual([
      ['grant_type', 'password'],
      ['username', 'alice'],
      ['password', 'pw & more'],
      ['scope', 'read write'],
      ['resource', 'https://api.test/?a=1&b=2'],
    ]);
    expect(tokenRequestBody(grant({ grant: 'authorizationCode', refreshToken: 'r+t/=' }))).toBe('grant_type=refresh_token&refresh_token=r%2Bt%2F%3D');
  });
});

describe('token response validation (R4)', () => {
  test('a valid response: token, expires_in as sent, scope', () => {
    expect(parse(200, json({ access_token: 'abc.def', token_type: 'Bearer', expires_in: 3600, scope: 'read' }))).toEqual({ accessToken: 'abc.def', expiresIn: 3600, scope: 'read' });
    expect(parse(201, json({ access_token: 'x', token_type: 'bearer' })).accessToken).toBe('x');
    expect(parse(200, json({ access_token: 'x', token_type: 'BEARER', expires_in: '60' })).expiresIn).toBe('60');
  });

  test.each<[string, number, Buffer, TokenFailure, RegExp]>([
    ['HTTP 500', 500, Buffer.from('oops'), 'http-status', /answered HTTP 500$/],
    ['HTTP 401 with an OAuth error code', 401, json({ error: 'invalid_client', error_description: 'the secret is wrong: s3cr3t' }), 'http-status', /answered HTTP 401 \(invalid_client\)$/],
    ['a 200 that is not JSON', 200, Buffer.from('<html>hello</html>'), 'not-json', /not a JSON object/],
    ['a JSON array', 200, json([{ access_token: 'x' }]), 'not-json', /not a JSON object/],
    ['no access_token', 200, json({ token_type: 'Bearer' }), 'no-access-token', /no access_token/],
    ['an empty access_token', 200, json({ access_token: '', token_type: 'Bearer' }), 'no-access-token', /no access_token/],
    ['an access_token that is not a string', 200, json({ access_token: 42, token_type: 'Bearer' }), 'no-access-token', /no access_token/],
    ['an access_token that would split the header', 200, json({ access_token: 'a\r\nX-Evil: 1', token_type: 'Bearer' }), 'no-access-token', /header cannot carry/],
    ['no token_type', 200, json({ access_token: 'x' }), 'token-type', /no token_type \(RFC 6749 §5\.1/],
    ['token_type mac', 200, json({ access_token: 'x', token_type: 'mac' }), 'token-type', /not Bearer/],
  ])('%s is refused', (_name, status, body, reason, message) => {
    const err = failure(status, body);
    expect(err.reason).toBe(reason);
    expect(err.errorCode).toBe(ErrorCode.ENDPOINT_AUTH_FAILURE);
    expect(err.message).toMatch(message);
  });

  test('a refusal never quotes the response: no error_description, no token', () => {
    const err = failure(401, json({ error: 'invalid_client', error_description: 'the secret is wrong: s3cr3t' }));
    expect(err.message).not.toContain('s3cr3t');
    const badType = failure(200, json({ access_token: 'tok-SECRET-VALUE', token_type: 'tok-SECRET-VALUE' }));
    expect(badType.message).not.toContain('SECRET');
    const freeTextError = failure(400, json({ error: 'Invalid client secret s3cr3t' }));
    expect(freeTextError.message).not.toContain('s3cr3t');
  });
});
