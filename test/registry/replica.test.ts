import { describe, expect, test } from 'vitest';
import { ChangedPaths, Replica } from '../../registry/postgres/replica.js';
import type { Resource } from '../../registry/store.js';

const resource = (text: string, collection = false): Resource => ({ content: Buffer.from(text), mediaType: 'text/plain', properties: {}, collection, modified: 1 });

describe('ChangedPaths: what a change to a path can have touched', () => {
  test('the path, its ancestors and its subtree, but no sibling sharing its name as a prefix', () => {
    const changed = new ChangedPaths(['/a/b']);
    for (const path of ['/a/b', '/a', '/', '/a/b/c', '/a/b/c/d']) expect(changed.covers(path)).toBe(true);
    for (const path of ['/a/bc', '/a/b-x', '/a/c', '/x']) expect(changed.covers(path)).toBe(false);
    expect(changed.exact.sort()).toEqual(['/', '/a', '/a/b']);
    expect(changed.prefixes).toEqual(['/a/b/']);
  });

  test('a change to the root covers everything', () => {
    expect(new ChangedPaths(['/']).covers('/any/thing')).toBe(true);
  });
});

describe('Replica', () => {
  test('a patch replaces what the change covers and keeps the rest', () => {
    const replica = new Replica();
    replica.load([['/a', resource('', true)], ['/a/b', resource('old')], ['/a/b/c', resource('gone')], ['/z', resource('kept')]], 3);
    replica.patch(new ChangedPaths(['/a/b']), [['/a', resource('', true)], ['/a/b', resource('new')]], 4, true);
    expect(replica.get('/a/b')?.content.toString()).toBe('new');
    expect(replica.get('/a/b/c')).toBeNull();
    expect(replica.get('/z')?.content.toString()).toBe('kept');
    expect(replica.version).toBe(4);
  });

  test('its version moves past a write only when no other change can lie between', () => {
    const replica = new Replica();
    replica.load([], 5);
    replica.patch(new ChangedPaths(['/k']), [['/k', resource('mine')]], 6, false);
    expect(replica.version).toBe(6);
    replica.patch(new ChangedPaths(['/k']), [['/k', resource('later')]], 9, false);
    expect(replica.version).toBe(6);
    expect(replica.get('/k')?.content.toString()).toBe('later');
  });
});
