import { describe, expect, test } from 'vitest';
import { TemplateError, UriTemplateMatcher } from '../../../engine/api/uri-template-matcher.js';
import { diagnose, SYNAPSE } from '../../support/sequences.js';

const match = (template: string, path: string) => new UriTemplateMatcher(template).match(path);

describe('uri-template matching (reference §6.3.1)', () => {
  test('the reference example: /orders/{id}', () => {
    expect(match('/orders/{id}', '/orders/42')).toEqual({ id: '42' });
    expect(match('/orders/{id}', '/orders/42?x=1')).toEqual({ id: '42' });
    expect(match('/orders/{id}', '/orders/42/items')).toBeUndefined();
  });

  test('a literal template matches only itself', () => {
    expect(match('/menu', '/menu')).toEqual({});
    expect(match('/menu', '/menus')).toBeUndefined();
    expect(match('/menu', '/men')).toBeUndefined();
    expect(match('/menu', '/menu/x')).toBeUndefined();
  });

  describe('a simple {var}', () => {
    test.each([':', '/', '?', '#', '[', ']', '@', '!', '$', '&', "'", '(', ')', '*', '+', ',', ';', '='])('stops at the reserved character %s', (ch) => {
      // The variable ends before the reserved character; what is left must then match the rest of the template.
      expect(match(`/a/{x}${ch}b`, `/a/1${ch}b`)).toEqual({ x: '1' });
      if (ch !== '/' && ch !== '?') expect(match('/a/{x}', `/a/1${ch}b`)).toBeUndefined();
    });

    test('stops at the first character of the literal that follows it', () => {
      expect(match('/files/{name}-v{version}', '/files/report-v2')).toEqual({ name: 'report', version: '2' });
      expect(match('/p/{a}x{b}', '/p/1x2')).toEqual({ a: '1', b: '2' });
    });

    test('takes unreserved characters: letters, digits, - . _ ~ and percent-escapes', () => {
      expect(match('/u/{id}', '/u/Ab-9._~')).toEqual({ id: 'Ab-9._~' });
    });

    test('does not span a path segment', () => {
      expect(match('/u/{id}', '/u/a/b')).toBeUndefined();
      expect(match('/u/{id}/x', '/u/a/b/x')).toBeUndefined();
    });

    test('values are URL-decoded, and a literal + is kept as +', () => {
      expect(match('/u/{name}', '/u/J%C3%BCrgen%20M')).toEqual({ name: 'Jürgen M' });
      expect(match('/u/{name}', '/u/a%2Bb')).toEqual({ name: 'a+b' });
      expect(match('/u/{+rest}', '/u/a+b')).toEqual({ rest: 'a+b' });
      // A malformed escape is kept as it came rather than refusing the request.
      expect(match('/u/{name}', '/u/100%')).toEqual({ name: '100%' });
    });

    test('{a,b} splits on ","', () => {
      expect(match('/pt/{x,y}', '/pt/3,4')).toEqual({ x: '3', y: '4' });
      expect(match('/pt/{x,y}/z', '/pt/3,4/z')).toEqual({ x: '3', y: '4' });
    });

    test('a trailing {var} needs a value: /orders/{id} does not take /orders/', () => {
      // Synapse's matcher runs out of path with the variable's node left over, which is no match.
      expect(match('/orders/{id}', '/orders/')).toBeUndefined();
      expect(match('/orders/{id}', '/orders')).toBeUndefined();
    });
  });

  describe('operators', () => {
    test('{+var} may contain / and other reserved characters', () => {
      expect(match('/files/{+path}', '/files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
      expect(match('/files/{+path}/meta', '/files/a/b/meta')).toEqual({ path: 'a/b' });
      expect(match('/files/{+path}', '/files/a/b;v=1,2')).toEqual({ path: 'a/b;v=1,2' });
      expect(match('/files/{+path}', '/files/a/b?x=1')).toEqual({ path: 'a/b' });
    });

    test('{/var} takes a "/" prefix and one segment', () => {
      expect(match('/api{/ver}/items', '/api/v2/items')).toEqual({ ver: 'v2' });
      expect(match('/api{/ver}/items', '/api/v2/x/items')).toBeUndefined();
    });

    test('{.var} takes a "." prefix and one label', () => {
      expect(match('/report{.format}', '/report.json')).toEqual({ format: 'json' });
      expect(match('/report{.format}', '/report.tar.gz')).toBeUndefined();
      expect(match('/report{.format}', '/report')).toBeUndefined();
    });

    test.each(['{?x}', '{;x}', '{&x}'])('%s is refused as an unsupported template expression', (expr) => {
      expect(() => new UriTemplateMatcher(`/a/${expr}`)).toThrow(TemplateError);
      expect(() => new UriTemplateMatcher(`/a/${expr}`)).toThrow(/Unsupported template expression/);
    });

    test('an unclosed or empty expression is refused', () => {
      expect(() => new UriTemplateMatcher('/a/{x')).toThrow(TemplateError);
      expect(() => new UriTemplateMatcher('/a/{}')).toThrow(TemplateError);
    });

    test('in an <api>, an unsupported template is a deploy error at the uri-template attribute', () => {
      const errors = diagnose(`<api ${SYNAPSE} name="A" context="/a">\n  <resource methods="GET" uri-template="/x/{?q}"/>\n</api>`);
      expect(errors).toEqual([expect.stringMatching(/^test\.xml:2:\d+: Unsupported template expression \{\?q\}/)]);
    });
  });

  describe('wildcards and slashes', () => {
    test('a trailing /* matches any remainder', () => {
      expect(match('/shop/*', '/shop/')).toEqual({});
      expect(match('/shop/*', '/shop/a')).toEqual({});
      expect(match('/shop/*', '/shop/a/b/c?x=1')).toEqual({});
      expect(match('/shop/*', '/shopping')).toBeUndefined();
      expect(match('/*', '/anything/at/all')).toEqual({});
    });

    test('a trailing * matches any remainder', () => {
      expect(match('/shop*', '/shopping/list')).toEqual({});
      expect(match('/shop*', '/shop')).toEqual({});
      expect(match('/shop*', '/sho')).toBeUndefined();
    });

    test('variables before a wildcard are still taken', () => {
      expect(match('/users/{id}/*', '/users/7/orders/3')).toEqual({ id: '7' });
    });

    test('the request path may have one extra trailing slash, not two', () => {
      expect(match('/menu', '/menu/')).toEqual({});
      expect(match('/orders/{id}', '/orders/42/')).toEqual({ id: '42' });
      expect(match('/menu', '/menu//')).toBeUndefined();
    });

    test('a trailing slash on the template is dropped, except for "/"', () => {
      expect(match('/menu/', '/menu')).toEqual({});
      expect(match('/', '/')).toEqual({});
      expect(match('/', '/x')).toBeUndefined();
    });
  });

  describe('query templates', () => {
    test('a template with a query part must match the query', () => {
      const t = '/edit?a={symbol}&b={value}';
      expect(match(t, '/edit?a=IBM&b=100')).toEqual({ symbol: 'IBM', value: '100' });
      expect(match(t, '/edit?a=IBM')).toBeUndefined();
      expect(match(t, '/edit?b=100&a=IBM')).toBeUndefined();
      expect(match(t, '/edit')).toBeUndefined();
      expect(match(t, '/edit?a=IBM&b=100&c=1')).toBeUndefined();
    });

    test('query variables are URL-decoded too', () => {
      expect(match('/q?s={s}', '/q?s=a%20b')).toEqual({ s: 'a b' });
    });

    test('a template without a query part tolerates any query string', () => {
      expect(match('/menu', '/menu?')).toEqual({});
      expect(match('/menu', '/menu?lang=en&x=%2F/?')).toEqual({});
      expect(match('/menu', '/menu/?lang=en')).toEqual({});
    });
  });
});
