import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RegistryStoreError, type RegistryStore, type Resource, type ResourceInput } from '../../registry/store.js';

/** A plain (non-collection) resource to put. */
function resource(content: string | Buffer, mediaType = 'text/plain', properties: Record<string, string> = {}): ResourceInput {
  return { content: typeof content === 'string' ? Buffer.from(content, 'utf8') : content, mediaType, properties, collection: false };
}

function text(r: Resource | null): string | undefined {
  return r?.content.toString('utf8');
}

/**
 * The behaviour every RegistryStore must have (registry/store.ts), run once per implementation in the style of
 * hono's router contract: a new backend adds one `registryStoreContract(name, open)` call. `open` must give an
 * empty store each time it is called; the suite closes it after each test.
 */
export function registryStoreContract(name: string, open: () => Promise<RegistryStore> | RegistryStore): void {
  describe(`RegistryStore contract: ${name}`, () => {
    let store: RegistryStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    test('describes where its data lives', () => {
      expect(store.description).toMatch(/\S/);
    });

    test('get of a missing path is null, at any depth', async () => {
      expect(await store.get('/missing')).toBeNull();
      expect(await store.get('/a/b/c')).toBeNull();
    });

    test('put/get round trip of text content, media type, properties and modified time', async () => {
      const before = Date.now();
      await store.put('/a/b', resource('héllo, wörld ✓', 'application/json', { x: '1', 'with space': 'zwei ✓', empty: '' }));
      const after = Date.now();
      const r = await store.get('/a/b');
      expect(r).not.toBeNull();
      expect(text(r)).toBe('héllo, wörld ✓');
      expect(r!.mediaType).toBe('application/json');
      expect(r!.properties).toEqual({ x: '1', 'with space': 'zwei ✓', empty: '' });
      expect(r!.collection).toBe(false);
      expect(r!.modified).toBeGreaterThanOrEqual(before);
      expect(r!.modified).toBeLessThanOrEqual(after);
    });

    test('binary content comes back byte for byte, including NUL and invalid UTF-8', async () => {
      const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256));
      await store.put('/bin/blob', resource(bytes, 'application/octet-stream'));
      const r = await store.get('/bin/blob');
      expect(Buffer.isBuffer(r!.content)).toBe(true);
      expect(r!.content.equals(bytes)).toBe(true);
      expect(r!.mediaType).toBe('application/octet-stream');
    });

    test('empty content and non-ASCII paths round trip', async () => {
      await store.put('/ünï/日本/ key ', resource(''));
      const r = await store.get('/ünï/日本/ key ');
      expect(r!.content.length).toBe(0);
      expect(r!.collection).toBe(false);
      expect((await store.list('/ünï/日本')).map((e) => e.path)).toEqual(['/ünï/日本/ key ']);
    });

    test('put replaces the whole resource: old properties, content and media type are gone', async () => {
      await store.put('/r', resource('one', 'application/xml', { a: '1', b: '2' }));
      const first = (await store.get('/r'))!.modified;
      await store.put('/r', resource('two', 'text/plain', { c: '3' }));
      const r = await store.get('/r');
      expect(text(r)).toBe('two');
      expect(r!.mediaType).toBe('text/plain');
      expect(r!.properties).toEqual({ c: '3' });
      expect(r!.modified).toBeGreaterThanOrEqual(first);
    });

    test('put creates the missing parents as collections, and they are listed', async () => {
      await store.put('/a/b/c', resource('leaf'));
      const a = await store.get('/a');
      const b = await store.get('/a/b');
      expect(a?.collection).toBe(true);
      expect(b?.collection).toBe(true);
      expect(a!.content.length).toBe(0);
      expect((await store.list('/')).map((e) => [e.path, e.collection])).toEqual([['/a', true]]);
      expect((await store.list('/a')).map((e) => [e.path, e.collection])).toEqual([['/a/b', true]]);
      const leaf = await store.list('/a/b');
      expect(leaf).toHaveLength(1);
      expect(leaf[0]).toMatchObject({ path: '/a/b/c', collection: false, mediaType: 'text/plain' });
      expect(typeof leaf[0]!.modified).toBe('number');
    });

    test('putting into an existing collection keeps its other children', async () => {
      await store.put('/p/one', resource('1'));
      await store.put('/p/two', resource('2'));
      expect((await store.list('/p')).map((e) => e.path)).toEqual(['/p/one', '/p/two']);
      expect(text(await store.get('/p/one'))).toBe('1');
    });

    test('list returns direct children only, sorted by path; empty for a missing path or a plain resource', async () => {
      await store.put('/p/c', resource('c'));
      await store.put('/p/a', resource('a'));
      await store.put('/p/b/x', resource('x'));
      await store.put('/p/b/y/z', resource('z'));
      expect((await store.list('/p')).map((e) => e.path)).toEqual(['/p/a', '/p/b', '/p/c']);
      expect((await store.list('/p')).map((e) => e.collection)).toEqual([false, true, false]);
      expect((await store.list('/p/b')).map((e) => e.path)).toEqual(['/p/b/x', '/p/b/y']);
      expect(await store.list('/nothing')).toEqual([]);
      expect(await store.list('/p/a')).toEqual([]);
    });

    test('updateContent replaces the content, keeps properties and media type, and says true', async () => {
      await store.put('/u', resource('old', 'application/json', { keep: 'me' }));
      expect(await store.updateContent('/u', Buffer.from('{"new":true}'))).toBe(true);
      const r = await store.get('/u');
      expect(text(r)).toBe('{"new":true}');
      expect(r!.mediaType).toBe('application/json');
      expect(r!.properties).toEqual({ keep: 'me' });
      expect(r!.collection).toBe(false);
    });

    test('updateContent of a missing path returns false and creates nothing', async () => {
      expect(await store.updateContent('/nope/x', Buffer.from('v'))).toBe(false);
      expect(await store.get('/nope/x')).toBeNull();
      expect(await store.get('/nope')).toBeNull();
    });

    test('updateContent of a collection returns false and leaves it a collection', async () => {
      await store.put('/col/child', resource('c'));
      expect(await store.updateContent('/col', Buffer.from('v'))).toBe(false);
      const col = await store.get('/col');
      expect(col!.collection).toBe(true);
      expect(col!.content.length).toBe(0);
      expect(text(await store.get('/col/child'))).toBe('c');
    });

    test('setProperty on a missing path creates an empty resource (and its parents) carrying the property', async () => {
      await store.setProperty('/s/t', 'p', 'v');
      const r = await store.get('/s/t');
      expect(r).not.toBeNull();
      expect(r!.collection).toBe(false);
      expect(r!.content.length).toBe(0);
      expect(r!.properties).toEqual({ p: 'v' });
      expect((await store.get('/s'))?.collection).toBe(true);
    });

    test('setProperty sets, overwrites and (with null) removes one property, keeping the rest', async () => {
      await store.put('/s', resource('body', 'application/xml', { a: '1' }));
      await store.setProperty('/s', 'b', '2');
      expect((await store.get('/s'))!.properties).toEqual({ a: '1', b: '2' });
      await store.setProperty('/s', 'a', 'one');
      expect((await store.get('/s'))!.properties).toEqual({ a: 'one', b: '2' });
      await store.setProperty('/s', 'a', null);
      const r = await store.get('/s');
      expect(r!.properties).toEqual({ b: '2' });
      expect(text(r)).toBe('body');
      expect(r!.mediaType).toBe('application/xml');
      await store.setProperty('/s', 'never-set', null);
      expect((await store.get('/s'))!.properties).toEqual({ b: '2' });
    });

    test('setProperty on a collection keeps it a collection with its children', async () => {
      await store.put('/c/x', resource('x'));
      await store.setProperty('/c', 'owner', 'me');
      const c = await store.get('/c');
      expect(c!.collection).toBe(true);
      expect(c!.properties).toEqual({ owner: 'me' });
      expect((await store.list('/c')).map((e) => e.path)).toEqual(['/c/x']);
    });

    test('delete of a resource returns true, then false; the parent collection stays', async () => {
      await store.put('/d/x', resource('x'));
      expect(await store.delete('/d/x')).toBe(true);
      expect(await store.get('/d/x')).toBeNull();
      expect(await store.delete('/d/x')).toBe(false);
      expect((await store.get('/d'))?.collection).toBe(true);
      expect(await store.list('/d')).toEqual([]);
    });

    test('delete of a collection removes the whole subtree but no sibling sharing the name as a prefix', async () => {
      await store.put('/a/b/c', resource('c'));
      await store.put('/a/b/d/e', resource('e'));
      await store.put('/a/bc', resource('sibling bc'));
      await store.put('/a/b2/x', resource('sibling b2'));
      await store.put('/a/b-x', resource('sibling b-x'));
      await store.put('/a/b.x', resource('sibling b.x'));
      expect(await store.delete('/a/b')).toBe(true);
      for (const gone of ['/a/b', '/a/b/c', '/a/b/d', '/a/b/d/e']) expect(await store.get(gone)).toBeNull();
      expect(text(await store.get('/a/bc'))).toBe('sibling bc');
      expect(text(await store.get('/a/b2/x'))).toBe('sibling b2');
      expect(text(await store.get('/a/b-x'))).toBe('sibling b-x');
      expect(text(await store.get('/a/b.x'))).toBe('sibling b.x');
      expect((await store.list('/a')).map((e) => e.path).sort()).toEqual(['/a/b-x', '/a/b.x', '/a/b2', '/a/bc']);
    });

    test('delete treats SQL pattern characters in a path literally', async () => {
      await store.put('/q/_/1', resource('underscore'));
      await store.put('/q/x/1', resource('x'));
      await store.put('/q/%/1', resource('percent'));
      await store.put('/q/yy/1', resource('yy'));
      expect(await store.delete('/q/_')).toBe(true);
      expect(await store.delete('/q/%')).toBe(true);
      expect(await store.get('/q/_/1')).toBeNull();
      expect(await store.get('/q/%/1')).toBeNull();
      expect(text(await store.get('/q/x/1'))).toBe('x');
      expect(text(await store.get('/q/yy/1'))).toBe('yy');
    });

    test('delete of a missing path returns false', async () => {
      expect(await store.delete('/never/there')).toBe(false);
    });

    test('putting below a plain resource fails with RegistryStoreError and changes nothing', async () => {
      await store.put('/r', resource('keep', 'application/json', { k: 'v' }));
      const before = await store.get('/r');
      await expect(store.put('/r/child', resource('x'))).rejects.toBeInstanceOf(RegistryStoreError);
      await expect(store.put('/r/x/y', resource('x'))).rejects.toBeInstanceOf(RegistryStoreError);
      await expect(store.setProperty('/r/x', 'p', 'v')).rejects.toBeInstanceOf(RegistryStoreError);
      const after = await store.get('/r');
      expect(text(after)).toBe('keep');
      expect(after!.mediaType).toBe('application/json');
      expect(after!.properties).toEqual({ k: 'v' });
      expect(after!.collection).toBe(false);
      expect(after!.modified).toBe(before!.modified);
      // /r/x would have been created as a collection before the write found that /r is a plain resource.
      expect(await store.get('/r/x')).toBeNull();
      expect(await store.get('/r/child')).toBeNull();
      expect(await store.list('/r')).toEqual([]);
    });

    test('a failed write leaves the old value intact: replacing a non-empty collection by a resource', async () => {
      await store.put('/c/child', resource('child', 'text/plain', { p: '1' }));
      await store.setProperty('/c', 'owner', 'me');
      await expect(store.put('/c', resource('flat'))).rejects.toBeInstanceOf(RegistryStoreError);
      const c = await store.get('/c');
      expect(c!.collection).toBe(true);
      expect(c!.properties).toEqual({ owner: 'me' });
      const child = await store.get('/c/child');
      expect(text(child)).toBe('child');
      expect(child!.properties).toEqual({ p: '1' });
      // The store is still usable after the failure.
      await store.put('/c/other', resource('o'));
      expect((await store.list('/c')).map((e) => e.path)).toEqual(['/c/child', '/c/other']);
    });

    test('getSync, when the store has it, agrees with get and sees the store’s own writes at once', async (ctx) => {
      const getSync = store.getSync?.bind(store);
      if (!getSync) {
        ctx.skip();
        return;
      }
      expect(getSync('/k')).toBeNull();
      await store.put('/k', resource('v1', 'text/plain', { a: '1' }));
      expect(getSync('/k')).toEqual(await store.get('/k'));
      expect(text(getSync('/k'))).toBe('v1');
      await store.put('/k', resource('v2', 'text/plain', { b: '2' }));
      expect(text(getSync('/k'))).toBe('v2');
      expect(getSync('/k')!.properties).toEqual({ b: '2' });
      expect(await store.updateContent('/k', Buffer.from('v3'))).toBe(true);
      expect(text(getSync('/k'))).toBe('v3');
      await store.setProperty('/k', 'c', '3');
      expect(getSync('/k')!.properties).toEqual({ b: '2', c: '3' });
      expect(getSync('/k')).toEqual(await store.get('/k'));
      expect(getSync('/')).toEqual(await store.get('/'));
      await store.put('/k2/x', resource('x'));
      expect(getSync('/k2')?.collection).toBe(true);
      expect(await store.delete('/k')).toBe(true);
      expect(getSync('/k')).toBeNull();
      expect(await store.delete('/k2')).toBe(true);
      expect(getSync('/k2/x')).toBeNull();
    });

    test('tryLease: a free lease is taken; another owner is refused while it holds; the holder renews it', async () => {
      expect(await store.tryLease('/l/token', 'A', 60_000)).toBe(true);
      expect(await store.tryLease('/l/token', 'B', 60_000)).toBe(false);
      expect(await store.tryLease('/l/token', 'A', 60_000)).toBe(true);
      expect(await store.tryLease('/l/token', 'B', 60_000)).toBe(false);
    });

    test('leases are per path, and creating, holding or releasing one touches no resource', async () => {
      await store.put('/l/x', resource('content', 'text/plain', { p: '1' }));
      const before = await store.get('/l/x');
      expect(await store.tryLease('/l/x', 'A', 60_000)).toBe(true);
      expect(await store.tryLease('/l/y', 'B', 60_000)).toBe(true);
      expect(await store.tryLease('/other', 'B', 60_000)).toBe(true);
      expect(await store.get('/l/x')).toEqual(before);
      expect(await store.get('/l/y')).toBeNull();
      expect(await store.get('/other')).toBeNull();
      expect((await store.list('/l')).map((e) => e.path)).toEqual(['/l/x']);
      expect(await store.releaseLease('/l/x', 'A')).toBe(true);
      expect(await store.get('/l/x')).toEqual(before);
      // Deleting the resource leaves the lease of the same path alone.
      expect(await store.delete('/l')).toBe(true);
      expect(await store.tryLease('/l/y', 'A', 60_000)).toBe(false);
    });

    test('releaseLease is compare-and-delete: only the holder releases; then anyone may take it', async () => {
      expect(await store.releaseLease('/l/free', 'A')).toBe(false);
      expect(await store.tryLease('/l/r', 'A', 60_000)).toBe(true);
      expect(await store.releaseLease('/l/r', 'B')).toBe(false);
      expect(await store.tryLease('/l/r', 'B', 60_000)).toBe(false);
      expect(await store.releaseLease('/l/r', 'A')).toBe(true);
      expect(await store.releaseLease('/l/r', 'A')).toBe(false);
      expect(await store.tryLease('/l/r', 'B', 60_000)).toBe(true);
    });

    test('a lease whose owner stopped renewing it lapses after its TTL and goes to the next caller', async () => {
      expect(await store.tryLease('/l/ttl', 'dead', 40)).toBe(true);
      expect(await store.tryLease('/l/ttl', 'B', 60_000)).toBe(false);
      await new Promise((r) => setTimeout(r, 80));
      expect(await store.tryLease('/l/ttl', 'B', 60_000)).toBe(true);
      // The old owner has lost it: it can neither release nor silently retake it.
      expect(await store.releaseLease('/l/ttl', 'dead')).toBe(false);
      expect(await store.tryLease('/l/ttl', 'dead', 60_000)).toBe(false);
    });

    test('of many owners racing for a free lease exactly one wins', async () => {
      const owners = Array.from({ length: 25 }, (_, i) => `owner-${i}`);
      const results = await Promise.all(owners.map((o) => store.tryLease('/l/race', o, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = owners[results.indexOf(true)]!;
      expect(await store.releaseLease('/l/race', winner)).toBe(true);
    });
  });
}
