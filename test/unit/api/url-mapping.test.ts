import { describe, expect, test } from 'vitest';
import { UrlMapping } from '../../../engine/api/url-mapping.js';

const weight = (mapping: string, path: string) => new UrlMapping(mapping).weight(path);

describe('url-mapping (reference §6.3 step 6.1)', () => {
  describe('exact mappings', () => {
    test('match the path exactly', () => {
      expect(weight('/menu', '/menu')).toBeGreaterThan(0);
      expect(weight('/menu', '/menus')).toBe(0);
      expect(weight('/menu', '/menu/x')).toBe(0);
      expect(weight('/menu', '/')).toBe(0);
    });

    test('ignore trailing slashes on the path and one on the mapping', () => {
      expect(weight('/menu', '/menu/')).toBeGreaterThan(0);
      expect(weight('/menu', '/menu///')).toBeGreaterThan(0);
      expect(weight('/menu/', '/menu')).toBeGreaterThan(0);
      expect(weight('/', '/')).toBeGreaterThan(0);
    });
  });

  describe('prefix mappings /a/b/*', () => {
    test('match when the leading segments are equal', () => {
      expect(weight('/items/*', '/items')).toBeGreaterThan(0);
      expect(weight('/items/*', '/items/')).toBeGreaterThan(0);
      expect(weight('/items/*', '/items/1/parts')).toBeGreaterThan(0);
      expect(weight('/items/*', '/itemsx/1')).toBe(0);
      expect(weight('/items/*', '/other/items')).toBe(0);
      expect(weight('/a/b/*', '/a')).toBe(0);
    });

    test('a longer prefix weighs more', () => {
      expect(weight('/a/b/*', '/a/b/c')).toBeGreaterThan(weight('/a/*', '/a/b/c'));
      expect(weight('/a/*', '/a/b/c')).toBeGreaterThan(weight('/*', '/a/b/c'));
    });

    test('/* matches everything', () => {
      expect(weight('/*', '/')).toBeGreaterThan(0);
      expect(weight('/*', '/a/b.json')).toBeGreaterThan(0);
    });
  });

  describe('extension mappings *.ext', () => {
    test('match paths ending in the extension', () => {
      expect(weight('*.json', '/a/b.json')).toBeGreaterThan(0);
      expect(weight('*.json', '/a/b.xml')).toBe(0);
      expect(weight('*.json', '/a/json')).toBe(0);
    });
  });

  test('exact beats any prefix, and any prefix (even /*) beats an extension', () => {
    // Synapse tries exact mappings, then prefixes, then extensions: a weight is only an ordering of those steps.
    const path = '/a/b.json';
    expect(weight('/a/b.json', path)).toBeGreaterThan(weight('/a/*', path));
    expect(weight('/a/*', path)).toBeGreaterThan(weight('*.json', path));
    expect(weight('/*', path)).toBeGreaterThan(weight('*.json', path));
  });
});
