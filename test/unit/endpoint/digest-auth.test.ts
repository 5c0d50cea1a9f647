import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { MutableRequest } from '../../../engine/endpoint/authenticator.js';
import { DigestAuthenticator, DigestAuthError, parseChallenges } from '../../../engine/endpoint/digest-auth.js';
import type { BackendResponse } from '../../../engine/endpoint/http-client.js';
import { ErrorCode } from '../../../engine/error-codes.js';
import type { Endpoint } from '../../../engine/endpoint/endpoint.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';
import { diagnose, loadText, SYNAPSE } from '../../support/sequences.js';

// RFC 7616 §3.9.1.
const REALM = 'http-auth@example.org';
const NONCE = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
const OPAQUE = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
const PASSWORD = 'Circle of Life';

const challenge = (algorithm: string, extra = ''): string =>
  `Digest realm="${REALM}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${NONCE}", opaque="${OPAQUE}"${extra}`;

function request(url = 'http://www.example.org/dir/index.html', method = 'GET', headers: Record<string, string> = {}): MutableRequest {
  return { method, url: new URL(url), headers: { ...headers }, body: null };
}

function unauthorized(wwwAuthenticate?: string): BackendResponse {
  return { status: 401, headers: wwwAuthenticate === undefined ? {} : { 'www-authenticate': wwwAuthenticate }, body: Buffer.from('no') };
}

/** The parameters of an Authorization header, parsed as the challenge grammar parses them. */
function params(header: string | undefined): Map<string, string> {
  expect(header).toBeDefined();
  const [credentials] = parseChallenges(header!);
  expect(credentials!.scheme).toBe('Digest');
  return new Map(credentials!.params);
}

function fixedCnonce(): DigestAuthenticator {
  return new DigestAuthenticator('Mufasa', PASSWORD, { cnonce: () => CNONCE });
}

/** An authenticator that has answered `header` for `url` once, and the request it signed. */
async function challenged(auth: DigestAuthenticator, header: string, url?: string): Promise<MutableRequest> {
  const mc = makeMessage();
  const req = request(url);
  await auth.authorize(req);
  expect(await auth.retryAfterUnauthorized(req, unauthorized(header), mc)).toBe(true);
  return req;
}

describe('RFC 7616 §3.9.1 test vectors', () => {
  test('MD5', async () => {
    const req = await challenged(fixedCnonce(), challenge('MD5'));
    expect(req.headers['authorization']).toBe(
      `Digest username="Mufasa", realm="${REALM}", uri="/dir/index.html", algorithm=MD5, nonce="${NONCE}", nc=00000001, ` +
        `cnonce="${CNONCE}", qop=auth, response="8ca523f5e9506fed4657c9700eebdbec", opaque="${OPAQUE}"`,
    );
  });

  test('SHA-256', async () => {
    const req = await challenged(fixedCnonce(), challenge('SHA-256'));
    const p = params(req.headers['authorization']);
    expect(p.get('algorithm')).toBe('SHA-256');
    expect(p.get('response')).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  test('both challenges in one 401, SHA-256 first: the first supported one is answered (§3.7)', async () => {
    const req = await challenged(fixedCnonce(), `${challenge('SHA-256')}, ${challenge('MD5')}`);
    expect(params(req.headers['authorization']).get('response')).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  test('an unsupported first challenge is skipped for the next one', async () => {
    const req = await challenged(fixedCnonce(), `${challenge('SHA3-999')}, ${challenge('MD5')}`);
    expect(params(req.headers['authorization']).get('response')).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });
});

describe('RFC 7616 §3.9.2: SHA-512-256, userhash and a non-ASCII username', () => {
  const header =
    'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", ' +
    'opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8';
  const jason = (): DigestAuthenticator =>
    new DigestAuthenticator('J\u00e4s\u00f8n Doe', 'Secret, or not?', { cnonce: () => 'NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v' });

  // The RFC's printed username hash and response do not follow from its inputs; erratum 4897 corrects them.
  test('userhash=true sends H(username:realm) (values of erratum 4897)', async () => {
    const req = await challenged(jason(), `${header}, userhash=true`, 'http://api.example.org/doe.json');
    const p = params(req.headers['authorization']);
    expect(p.get('username')).toBe('793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b');
    expect(p.get('userhash')).toBe('true');
    expect(p.get('algorithm')).toBe('SHA-512-256');
    expect(p.get('response')).toBe('3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5');
  });

  test('without userhash the username goes as username* in RFC 8187 encoding', async () => {
    const req = await challenged(jason(), header, 'http://api.example.org/doe.json');
    expect(req.headers['authorization']).toContain(`username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org"`);
    expect(params(req.headers['authorization']).get('response')).toBe('3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5');
  });
});

describe('the -sess algorithms', () => {
  test.each([
    ['MD5-sess', 'md5'],
    ['SHA-256-sess', 'sha256'],
  ])('%s mixes nonce and cnonce into HA1', async (algorithm, hash) => {
    const h = (s: string): string => createHash(hash).update(s).digest('hex');
    const ha1 = h(`${h(`Mufasa:${REALM}:${PASSWORD}`)}:${NONCE}:${CNONCE}`);
    const expected = h(`${ha1}:${NONCE}:00000001:${CNONCE}:auth:${h('GET:/dir/index.html')}`);
    const req = await challenged(fixedCnonce(), challenge(algorithm));
    const p = params(req.headers['authorization']);
    expect(p.get('algorithm')).toBe(algorithm);
    expect(p.get('response')).toBe(expected);
  });
});

describe('parseChallenges', () => {
  test('several challenges in one field, with commas inside quoted strings and escaped quotes', () => {
    const parsed = parseChallenges(
      'Basic realm="a, b", Newauth realm="apps", type=1, title="Login to \\"apps\\"", Negotiate YII+/abc==, ' +
        'Digest REALM="r", nonce=abc/def=, qop="auth,auth-int"',
    );
    expect(parsed.map((c) => c.scheme)).toEqual(['Basic', 'Newauth', 'Negotiate', 'Digest']);
    expect(parsed[0]!.params.get('realm')).toBe('a, b');
    expect(parsed[1]!.params.get('title')).toBe('Login to "apps"');
    expect(parsed[1]!.params.get('type')).toBe('1');
    expect(parsed[2]!.token68).toBe('YII+/abc==');
    expect(Object.fromEntries(parsed[3]!.params)).toEqual({ realm: 'r', nonce: 'abc/def=', qop: 'auth,auth-int' });
  });

  test('a scheme alone, empty list elements and spaces around "=" are accepted', () => {
    const parsed = parseChallenges(' , Negotiate, ,Digest realm = "r" ,nonce="n"');
    expect(parsed.map((c) => c.scheme)).toEqual(['Negotiate', 'Digest']);
    expect(parsed[1]!.params.get('nonce')).toBe('n');
  });

  test.each([
    ['Digest realm="unterminated', 'unterminated quoted string'],
    ['Digest realm="a", realm="b"', 'repeated'],
    ['Digest realm="a" nonce="b"', 'expected a comma'],
    ['realm="a"', 'belongs to no challenge'],
    ['Digest nonce="n", realm=', 'has no value'],
    ['Digest abc==, realm="r"', 'belongs to no challenge'],
    ['Digest (x)', 'unexpected'],
  ])('%s is refused: %s', (field, why) => {
    const err = catchError(() => parseChallenges(field));
    expect(err).toBeInstanceOf(DigestAuthError);
    expect((err as DigestAuthError).reason).toBe('malformed-challenge');
    expect((err as DigestAuthError).message).toContain(why);
  });
});

describe('answering challenges', () => {
  test('the first request goes without credentials, and the client\'s own Authorization is not forwarded', async () => {
    const auth = fixedCnonce();
    const req = request(undefined, 'GET', { authorization: 'Bearer client-token' });
    await auth.authorize(req);
    expect(req.headers['authorization']).toBeUndefined();
  });

  test('the uri is the path with the query, and the method is the request\'s', async () => {
    const auth = fixedCnonce();
    const req = await challenged(auth, challenge('MD5'), 'http://h/orders/42?expand=items&x=%20y');
    const p = params(req.headers['authorization']);
    expect(p.get('uri')).toBe('/orders/42?expand=items&x=%20y');
    const post = request('http://h/orders?x=1', 'POST');
    await auth.authorize(post);
    const h = (s: string): string => createHash('md5').update(s).digest('hex');
    const q = params(post.headers['authorization']);
    expect(q.get('response')).toBe(
      h(`${h(`Mufasa:${REALM}:${PASSWORD}`)}:${NONCE}:00000002:${CNONCE}:auth:${h('POST:/orders?x=1')}`),
    );
  });

  test('following requests reuse the nonce with the next nonce count and a fresh cnonce', async () => {
    const auth = new DigestAuthenticator('Mufasa', PASSWORD);
    const first = await challenged(auth, challenge('MD5'));
    const seen = [params(first.headers['authorization'])];
    for (let i = 0; i < 3; i++) {
      const req = request();
      await auth.authorize(req);
      seen.push(params(req.headers['authorization']));
    }
    expect(seen.map((p) => p.get('nc'))).toEqual(['00000001', '00000002', '00000003', '00000004']);
    expect(new Set(seen.map((p) => p.get('nonce')))).toEqual(new Set([NONCE]));
    expect(new Set(seen.map((p) => p.get('cnonce'))).size).toBe(4);
  });

  test('nonce counts stay unique and increasing when many messages sign at once', async () => {
    const auth = new DigestAuthenticator('Mufasa', PASSWORD);
    await challenged(auth, challenge('MD5'));
    const requests = Array.from({ length: 200 }, () => request());
    await Promise.all(requests.map((r) => auth.authorize(r)));
    const counts = requests.map((r) => parseInt(params(r.headers['authorization']).get('nc')!, 16));
    expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
  });

  test('each origin has its own challenge', async () => {
    const auth = fixedCnonce();
    await challenged(auth, challenge('MD5'), 'http://a.example/x');
    const other = request('http://b.example/x');
    await auth.authorize(other);
    expect(other.headers['authorization']).toBeUndefined();
    const same = request('http://a.example/y');
    await auth.authorize(same);
    expect(params(same.headers['authorization']).get('nc')).toBe('00000002');
  });

  test('a 401 with stale=true and a new nonce is retried with the new nonce, counting from 1', async () => {
    const auth = fixedCnonce();
    await challenged(auth, challenge('MD5'));
    const mc = makeMessage();
    const req = request();
    await auth.authorize(req);
    expect(params(req.headers['authorization']).get('nc')).toBe('00000002');
    const fresh = `Digest realm="${REALM}", qop="auth", algorithm=MD5, nonce="fresh-nonce", opaque="${OPAQUE}", stale=TRUE`;
    expect(await auth.retryAfterUnauthorized(req, unauthorized(fresh), mc)).toBe(true);
    const p = params(req.headers['authorization']);
    expect(p.get('nonce')).toBe('fresh-nonce');
    expect(p.get('nc')).toBe('00000001');
    const next = request();
    await auth.authorize(next);
    expect(params(next.headers['authorization']).get('nonce')).toBe('fresh-nonce');
    expect(params(next.headers['authorization']).get('nc')).toBe('00000002');
  });

  test('a 401 with a new nonce (no stale) is retried once with it', async () => {
    const auth = fixedCnonce();
    await challenged(auth, challenge('MD5'));
    const mc = makeMessage();
    const req = request();
    await auth.authorize(req);
    expect(await auth.retryAfterUnauthorized(req, unauthorized(challenge('MD5').replace(NONCE, 'rotated')), mc)).toBe(true);
    expect(params(req.headers['authorization']).get('nonce')).toBe('rotated');
  });

  test('a 401 repeating the nonce that was used means the credentials are wrong: no retry', async () => {
    const auth = fixedCnonce();
    const mc = makeMessage();
    const req = await challenged(auth, challenge('MD5'));
    expect(await auth.retryAfterUnauthorized(req, unauthorized(challenge('MD5')), mc)).toBe(false);
  });

  test('a 401 without a Digest challenge is passed on, with a warning', async () => {
    const auth = fixedCnonce();
    const runtime = makeRuntime();
    const mc = makeMessage({ runtime });
    expect(await auth.retryAfterUnauthorized(request(), unauthorized('Basic realm="x", Bearer error="invalid_token"'), mc)).toBe(false);
    expect(await auth.retryAfterUnauthorized(request(), unauthorized(), mc)).toBe(false);
    expect(runtime.logger.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(runtime.logger.text()).toContain('without a Digest challenge');
  });

  test.each([
    ['qop=auth-int only', `Digest realm="r", nonce="n", qop="auth-int"`, 'only offers qop=auth-int'],
    ['no qop (RFC 2069)', `Digest realm="r", nonce="n"`, 'offers no qop'],
    ['an unknown algorithm', `Digest realm="r", nonce="n", qop=auth, algorithm=SHA-1`, 'algorithm SHA-1 is not supported'],
    ['no nonce', `Digest realm="r", qop=auth`, 'no nonce'],
    ['no realm', `Digest nonce="n", qop=auth`, 'no realm'],
  ])('a challenge with %s is refused with a clear error', async (_what, header, why) => {
    const err = await fixedCnonce()
      .retryAfterUnauthorized(request('http://backend.example:8080/x'), unauthorized(header), makeMessage())
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DigestAuthError);
    const e = err as DigestAuthError;
    expect(e.reason).toBe('unsupported-challenge');
    expect(e.errorCode).toBe(ErrorCode.ENDPOINT_AUTH_FAILURE);
    expect(e.message).toContain('http://backend.example:8080');
    expect(e.message).toContain(why);
  });

  test('quotes and backslashes in values are escaped', async () => {
    const auth = new DigestAuthenticator('a"b\\c', 'p', { cnonce: () => 'c' });
    const req = await challenged(auth, 'Digest realm="say \\"hi\\"", nonce="n", qop=auth');
    expect(req.headers['authorization']).toContain('username="a\\"b\\\\c", realm="say \\"hi\\""');
    expect(params(req.headers['authorization']).get('username')).toBe('a"b\\c');
  });
});

describe('secrets', () => {
  test('the password and computed responses appear in no error, log line or inspection', async () => {
    const secret = 'Sup3r-Secret-Pa55';
    const auth = new DigestAuthenticator('Mufasa', secret, { cnonce: () => CNONCE });
    const runtime = makeRuntime();
    const mc = makeMessage({ runtime });
    const req = request();
    await auth.authorize(req);
    await auth.retryAfterUnauthorized(req, unauthorized(challenge('MD5')), mc);
    const response = params(req.headers['authorization']).get('response')!;
    const failures: unknown[] = [];
    for (const header of ['Digest realm="r", nonce="n", qop="auth-int"', 'Digest realm="broken', 'Basic realm="x"']) {
      await auth.retryAfterUnauthorized(request(), unauthorized(header), mc).catch((e: unknown) => failures.push(e));
    }
    expect(failures).toHaveLength(2);
    const seen = [
      ...failures.map((e) => `${(e as Error).message} ${(e as Error).stack} ${inspect(e)}`),
      runtime.logger.text(),
      inspect(auth, { depth: 5, showHidden: true }),
      JSON.stringify(auth),
    ].join('\n');
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(response);
  });
});

describe('configuration', () => {
  const authenticatorOf = (config: string, file = 'test.xml'): unknown =>
    (loadText(config, file).configuration.endpoint('ep') as Endpoint).settings.authenticator;

  test('<digestAuth> in an http endpoint', () => {
    const auth = authenticatorOf(
      `<endpoint ${SYNAPSE} name="ep"><http uri-template="http://h/x"><authentication><digestAuth>` +
        `<username>u</username><password>p</password></digestAuth></authentication></http></endpoint>`,
    );
    expect(auth).toBeInstanceOf(DigestAuthenticator);
    expect((auth as DigestAuthenticator).kind).toBe('digestAuth');
  });

  test('YAML digestAuth: {username, password} with an ${env:...} reference', async () => {
    process.env['MEDIATE_TEST_DIGEST_PASSWORD'] = PASSWORD;
    try {
      const yaml = [
        'endpoint:',
        '  name: ep',
        '  children:',
        '    - http:',
        '        uri-template: http://www.example.org/dir/index.html',
        '        authentication:',
        '          digestAuth: { username: Mufasa, password: "${env:MEDIATE_TEST_DIGEST_PASSWORD}" }',
      ].join('\n');
      const auth = authenticatorOf(yaml, 'test.yaml') as DigestAuthenticator;
      expect(auth).toBeInstanceOf(DigestAuthenticator);
      const mc = makeMessage();
      const req = request();
      await auth.authorize(req);
      await auth.retryAfterUnauthorized(req, unauthorized(challenge('MD5')), mc);
      // The response proves the password was resolved from the environment.
      const h = (s: string): string => createHash('md5').update(s).digest('hex');
      const cnonce = params(req.headers['authorization']).get('cnonce')!;
      expect(params(req.headers['authorization']).get('response')).toBe(
        h(`${h(`Mufasa:${REALM}:${PASSWORD}`)}:${NONCE}:00000001:${cnonce}:auth:${h('GET:/dir/index.html')}`),
      );
    } finally {
      delete process.env['MEDIATE_TEST_DIGEST_PASSWORD'];
    }
  });

  test('a missing password, a control character in the username, and unknown settings are reported', () => {
    const wrap = (inner: string): string =>
      `<endpoint ${SYNAPSE} name="ep"><http uri-template="http://h/x"><authentication><digestAuth>${inner}</digestAuth></authentication></http></endpoint>`;
    expect(diagnose(wrap('<username>u</username>')).join('\n')).toContain('<digestAuth> needs <password>');
    expect(diagnose(wrap('<username>u&#x0d;v</username><password>p</password>')).join('\n')).toContain('must not contain control characters');
    expect(diagnose(wrap('<username>u</username><password>p</password><algorithm>MD5</algorithm>')).join('\n')).toMatch(
      /warning: <algorithm> is ignored in <digestAuth>/,
    );
  });

  test('an unset ${env:...} password is a load error that names the variable, not a value', () => {
    const lines = diagnose(
      `<endpoint ${SYNAPSE} name="ep"><http uri-template="http://h/x"><authentication><digestAuth>` +
        `<username>u</username><password>\${env:MEDIATE_TEST_UNSET_DIGEST}</password></digestAuth></authentication></http></endpoint>`,
    );
    expect(lines.join('\n')).toContain('MEDIATE_TEST_UNSET_DIGEST is not set');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
