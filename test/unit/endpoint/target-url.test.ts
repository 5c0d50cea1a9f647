import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { appendPostfix, UnsafeTargetError, UriTemplate } from '../../../engine/endpoint/target-url.js';
import { diagnose, seq } from '../../support/sequences.js';

const expand = (template: string, vars: Record<string, string> = {}): string => new UriTemplate(template).expand(vars).href;

describe('UriTemplate expansion (reference §5.3, checklist 20)', () => {
  test('uri.var.* and query.param.* values fill the template', () => {
    expect(expand('http://h:8080/orders/{uri.var.id}?q={query.param.q}', { 'uri.var.id': '42', 'query.param.q': 'red' })).toBe(
      'http://h:8080/orders/42?q=red',
    );
  });

  test('RFC 6570 form-style query expansion works too', () => {
    expect(expand('http://h/orders{?query.param.q,query.param.n}', { 'query.param.q': 'a b', 'query.param.n': '2' })).toBe(
      'http://h/orders?query.param.q=a%20b&query.param.n=2',
    );
  });

  test('a missing variable expands to nothing', () => {
    expect(expand('http://h/orders/{uri.var.id}')).toBe('http://h/orders/');
  });

  test.each([
    ['/', 'a/b', 'a%2Fb'],
    ['?', 'a?admin=1', 'a%3Fadmin%3D1'],
    ['#', 'a#frag', 'a%23frag'],
    ['space', 'a b', 'a%20b'],
    ['%', '%2e%2e', '%252e%252e'],
    ['CR LF', 'a\r\nX-Injected: 1', 'a%0D%0AX-Injected%3A%201'],
    ['@ and :', 'u:p@evil', 'u%3Ap%40evil'],
  ])('a path variable with %s is percent-encoded and stays one segment', (_what, value, encoded) => {
    const url = new UriTemplate('http://h/orders/{uri.var.id}/items').expand({ 'uri.var.id': value });
    expect(url.pathname).toBe(`/orders/${encoded}/items`);
    expect(url.origin).toBe('http://h');
    expect(url.hash).toBe('');
  });

  test('a query variable cannot add parameters', () => {
    const url = new UriTemplate('http://h/search?q={query.param.q}').expand({ 'query.param.q': 'x&admin=true' });
    expect(url.search).toBe('?q=x%26admin%3Dtrue');
    expect(url.searchParams.get('admin')).toBeNull();
  });

  test.each(['..', '.'])('a variable that is %j cannot become a dot segment that climbs the template path', (value) => {
    expect(() => new UriTemplate('http://h/api/orders/{uri.var.id}').expand({ 'uri.var.id': value })).toThrow(UnsafeTargetError);
    expect(() => new UriTemplate('http://h/api/{uri.var.a}/{uri.var.b}/x').expand({ 'uri.var.a': value, 'uri.var.b': '..' })).toThrow(
      UnsafeTargetError,
    );
  });

  test('dots inside a segment are ordinary characters', () => {
    expect(expand('http://h/files/{uri.var.f}', { 'uri.var.f': '..hidden..json' })).toBe('http://h/files/..hidden..json');
    expect(expand('http://h/files/{uri.var.f}', { 'uri.var.f': 'report.v2.pdf' })).toBe('http://h/files/report.v2.pdf');
  });

  test('reserved expansion {+var} with dot segments cannot climb either', () => {
    expect(() => new UriTemplate('http://h/base/{+uri.var.p}').expand({ 'uri.var.p': '../../admin' })).toThrow(UnsafeTargetError);
    expect(expand('http://h/base/{+uri.var.p}', { 'uri.var.p': 'a/b' })).toBe('http://h/base/a/b');
  });

  test('an expansion that is not a URL is a mediation error, not a request to somewhere', () => {
    expect(() => new UriTemplate('{uri.var.url}').expand({ 'uri.var.url': 'not a url' })).toThrow(/not an absolute URL/);
  });
});

describe('a variable cannot change the scheme, host or port (security: SSRF via templated backend URLs)', () => {
  test.each([
    'http://{uri.var.host}/orders',
    'http://{uri.var.host}:8080/orders',
    'http://h:{uri.var.port}/orders',
    'http://h{uri.var.rest}',
    'http://h.{uri.var.zone}.example.com/x',
    'http{uri.var.s}://h/x',
    'h/{uri.var.x}',
  ])('%s is refused when it is compiled', (template) => {
    expect(() => new UriTemplate(template)).toThrow(/scheme, host and port must be written literally/);
  });

  test('the refusal is a load-time diagnostic at the uri-template attribute', () => {
    const out = diagnose(seq(`<call><endpoint><http uri-template="http://{uri.var.host}/orders"/></endpoint></call>`));
    expect(out.some((line) => /test\.xml:\d+:\d+: .*scheme, host and port must be written literally/.test(line))).toBe(true);
  });

  test('an explicit default port or user info in the literal authority is the same origin', () => {
    expect(expand('http://h:80/orders/{uri.var.id}', { 'uri.var.id': '1' })).toBe('http://h/orders/1');
    expect(expand('https://svc@h:443/orders/{uri.var.id}', { 'uri.var.id': '1' })).toBe('https://svc@h/orders/1');
  });

  test('a literal authority loads cleanly', () => {
    expect(diagnose(seq(`<call><endpoint><http uri-template="http://h:8080/orders/{uri.var.id}"/></endpoint></call>`))).toEqual([]);
  });

  test.each([
    ['{uri.var.url}', 'http://other:9000/a/b', 'http://other:9000/a/b'],
    ['{uri.var.base}/orders', 'https://api.example.com/v1', 'https://api.example.com/v1/orders'],
    ['{+uri.var.url}', 'http://h/x?y=1', 'http://h/x?y=1'],
    ['legacy-encoding:{uri.var.url}', 'http://h/a%20b', 'http://h/a%20b'],
  ])('a template that starts with a variable supplies the whole URL on purpose: %s', (template, value, expected) => {
    const name = /\{\+?([^}]+)\}/.exec(template)![1]!;
    expect(expand(template, { [name]: value })).toBe(expected);
  });

  test('whole-URL templates are reserved expansions: ":" and "/" are not encoded', () => {
    expect(expand('{uri.var.url}', { 'uri.var.url': 'http://h:81/a/b?c=d' })).toBe('http://h:81/a/b?c=d');
  });
});

describe('legacy-encoding: (reference §5.3)', () => {
  test('values are URL-decoded before expansion, so an already-encoded value is not encoded twice', () => {
    expect(expand('legacy-encoding:http://h/orders/{uri.var.id}', { 'uri.var.id': 'a%20b' })).toBe('http://h/orders/a%20b');
    expect(expand('http://h/orders/{uri.var.id}', { 'uri.var.id': 'a%20b' })).toBe('http://h/orders/a%2520b');
  });

  test('a decoded slash is encoded again: it stays inside the segment', () => {
    expect(expand('legacy-encoding:http://h/orders/{uri.var.id}', { 'uri.var.id': 'a%2Fb' })).toBe('http://h/orders/a%2Fb');
  });

  test('a value that is not valid percent-encoding is used as it is', () => {
    expect(expand('legacy-encoding:http://h/orders/{uri.var.id}', { 'uri.var.id': '100%' })).toBe('http://h/orders/100%25');
  });

  test('an encoded dot segment decodes to ".." and is refused, not normalised away', () => {
    expect(() => new UriTemplate('legacy-encoding:http://h/api/{uri.var.id}').expand({ 'uri.var.id': '%2e%2e' })).toThrow(UnsafeTargetError);
  });

  test('the legacy prefix does not loosen the origin rule', () => {
    expect(() => new UriTemplate('legacy-encoding:http://{uri.var.host}/x')).toThrow(/written literally/);
  });
});

describe('appendPostfix: REST_URL_POSTFIX joined to the endpoint address (reference §5.3)', () => {
  test.each([
    ['http://h/base', '/orders/1', 'http://h/base/orders/1'],
    ['http://h/base/', '/orders/1', 'http://h/base/orders/1'],
    ['http://h/base/', 'orders/1', 'http://h/base/orders/1'],
    ['http://h/base', 'orders/1', 'http://h/base/orders/1'],
    ['http://h', '/orders', 'http://h/orders'],
    ['http://h/', '/orders', 'http://h/orders'],
    ['http://h/base', '?a=1', 'http://h/base?a=1'],
    ['http://h/base/', '?a=1', 'http://h/base/?a=1'],
    ['http://h/base', '/orders?a=1&b=2', 'http://h/base/orders?a=1&b=2'],
    ['http://h/base?k=v', '/orders?a=1', 'http://h/base/orders?k=v&a=1'],
    ['http://h/base?k=v', '/orders', 'http://h/base/orders?k=v'],
    ['http://h/base?k=v', '?a=1', 'http://h/base?k=v&a=1'],
    ['http://h/base', '', 'http://h/base'],
    ['http://h:8443/base', '/x', 'http://h:8443/base/x'],
  ])('%s + %j = %s', (base, postfix, expected) => {
    expect(appendPostfix(base, postfix).href).toBe(expected);
  });

  test('the base URL object is not modified', () => {
    const base = new URL('http://h/base?k=v');
    appendPostfix(base, '/x?a=1');
    expect(base.href).toBe('http://h/base?k=v');
  });

  test('dot segments inside the base path are fine', () => {
    expect(appendPostfix('http://h/base', '/a/../b').href).toBe('http://h/base/b');
    expect(appendPostfix('http://h/base', '/./x').href).toBe('http://h/base/x');
  });

  test.each([
    '/..',
    '/../x',
    '/../../etc/passwd',
    '/a/../../x',
    '/%2e%2e/x',
    '/%2E%2E/x',
    '/.%2e/x',
    '/%2e./x',
    '\\..\\..\\x',
    '..',
    '/../base2',
  ])('%j cannot leave the base path', (postfix) => {
    expect(() => appendPostfix('http://h/base', postfix)).toThrow(UnsafeTargetError);
  });

  test('a sibling path that merely starts with the base path is outside it', () => {
    expect(() => appendPostfix('http://h/base', '/../basement')).toThrow(UnsafeTargetError);
  });

  test('"//host" in the postfix stays a path on the same origin (undici CVE-2022-35949)', () => {
    const url = appendPostfix('http://h/base', '//evil.example/x');
    expect(url.origin).toBe('http://h');
    expect(url.pathname).toBe('/base//evil.example/x');
  });

  test('CR, LF and TAB never reach the request line', () => {
    const url = appendPostfix('http://h/base', '/x\r\nHost: evil\t');
    expect(url.href).not.toMatch(/[\r\n\t]/);
    expect(url.origin).toBe('http://h');
  });

  test('an UnsafeTargetError is a mediation error with HTTP status 400', () => {
    try {
      appendPostfix('http://h/base', '/../x');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnsafeTargetError);
      expect((err as UnsafeTargetError).httpStatus).toBe(400);
      expect((err as UnsafeTargetError).code).toBe('MEDIATE_UNSAFE_TARGET');
    }
  });
});

describe('appendPostfix property: same origin, under the base path, or UnsafeTargetError', () => {
  const bases = ['http://127.0.0.1:8080/base', 'http://h/api/v1/', 'https://h.example:8443/a/b?k=v', 'http://h', 'http://h/'];
  const segment = fc.oneof(
    fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '.%2e', '%2e', '', 'x', 'a b', '%2f', '%5c', '\\', '?', '#', '@evil', ':80', '//', '\t', '\r\n', '\0'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
  );
  const postfix = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(segment, { maxLength: 8 }).map((parts) => parts.join('/')),
    fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`),
    fc.tuple(fc.array(segment, { maxLength: 6 }), fc.string({ maxLength: 10 })).map(([parts, q]) => `/${parts.join('/')}?${q}`),
  );

  test('for any postfix string', () => {
    fc.assert(
      fc.property(fc.constantFrom(...bases), postfix, (baseText, post) => {
        const base = new URL(baseText);
        const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
        let url: URL;
        try {
          url = appendPostfix(base, post);
        } catch (err) {
          return err instanceof UnsafeTargetError;
        }
        return url.origin === base.origin && (url.pathname === base.pathname || url.pathname.startsWith(basePath));
      }),
      { numRuns: 3000 },
    );
  });
});
