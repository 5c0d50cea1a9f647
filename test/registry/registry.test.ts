import { afterEach, describe, expect, test } from 'vitest';
import { MediationError } from '../../engine/errors.js';
import { RegistryKeyError } from '../../registry/key.js';
import { Registry, RegistryReadOnlyError } from '../../registry/registry.js';
import { SqliteStore } from '../../registry/sqlite-store.js';
import { RegistryStoreError, type ResourceInput } from '../../registry/store.js';

const text = (content: string, properties: Record<string, string> = {}, mediaType = 'text/plain'): ResourceInput => ({
  content: Buffer.from(content),
  mediaType,
  properties,
  collection: false,
});

const opened: Registry[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

/** A registry over three separate ':memory:' stores, which the test can also inspect directly. */
function makeRegistry(options: { govReadOnly?: boolean; confReadOnly?: boolean; redirect?: boolean } = {}) {
  const stores = { gov: new SqliteStore(':memory:'), conf: new SqliteStore(':memory:'), local: new SqliteStore(':memory:') };
  const registry = new Registry(
    {
      gov: { store: stores.gov, readOnly: options.govReadOnly ?? false },
      conf: { store: stores.conf, readOnly: options.confReadOnly ?? false },
      local: { store: stores.local, readOnly: false },
    },
    options.redirect ? { redirectGovernanceTo: 'local' } : {},
  );
  opened.push(registry);
  return { registry, stores };
}

/** The rejection of `promise`, which must be a RegistryReadOnlyError. */
async function readOnlyError(promise: Promise<unknown>): Promise<RegistryReadOnlyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryReadOnlyError);
  return err as RegistryReadOnlyError;
}

describe('Registry: reading and writing (reference §4.2–§4.5)', () => {
  test('write creates a text/plain resource that readText returns; a missing key reads as null', async () => {
    const { registry, stores } = makeRegistry();
    expect(registry.readText('gov:/a/b')).toBeNull();
    await registry.write('gov:/a/b', 'hello ✓');
    expect(registry.readText('gov:/a/b')).toBe('hello ✓');
    const stored = await stores.gov.get('/a/b');
    expect(stored?.mediaType).toBe('text/plain');
    expect(stored?.properties).toEqual({});
    expect(await stores.local.get('/a/b')).toBeNull();
  });

  test('write overwrites; keys are normalised and no prefix means gov:', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/a/b', 'one');
    await registry.write('/a//b/', 'two');
    expect(registry.readText('gov:/a/b')).toBe('two');
    expect(registry.readText('a/b')).toBe('two');
  });

  test('each scope is its own space', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/k', 'g');
    await registry.write('conf:/k', 'c');
    await registry.write('local:/k', 'l');
    expect([registry.readText('gov:/k'), registry.readText('conf:/k'), registry.readText('local:/k')]).toEqual(['g', 'c', 'l']);
  });

  test('write with a property replaces the resource: content "" and only that property', async () => {
    const { registry, stores } = makeRegistry();
    await registry.put('gov:/r', Buffer.from('old content'), 'application/xml', { a: '1', b: '2' });
    await registry.write('gov:/r', 'v', 'p');
    expect(registry.readText('gov:/r')).toBe('');
    expect(registry.readProperty('gov:/r', 'p')).toBe('v');
    expect(registry.readProperty('gov:/r', 'a')).toBeNull();
    expect(registry.readProperties('gov:/r')).toEqual({ p: 'v' });
    expect((await stores.gov.get('/r'))?.mediaType).toBe('text/plain');
  });

  test('write with a property creates the resource when there is none', async () => {
    const { registry } = makeRegistry();
    await registry.write('local:/tokens/t1', 'abc', 'token');
    expect(registry.exists('local:/tokens/t1')).toBe(true);
    expect(registry.readText('local:/tokens/t1')).toBe('');
    expect(registry.readProperty('local:/tokens/t1', 'token')).toBe('abc');
  });

  test('readProperty / readProperties of missing things are null', async () => {
    const { registry } = makeRegistry();
    expect(registry.readProperty('gov:/none', 'p')).toBeNull();
    expect(registry.readProperties('gov:/none')).toBeNull();
    await registry.write('gov:/some', 'x');
    expect(registry.readProperty('gov:/some', 'p')).toBeNull();
    expect(registry.readProperties('gov:/some')).toEqual({});
  });

  test('readProperties returns a copy: changing it changes nothing stored', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/r', 'v', 'p');
    const props = registry.readProperties('gov:/r')!;
    props['p'] = 'changed';
    props['q'] = 'added';
    expect(registry.readProperties('gov:/r')).toEqual({ p: 'v' });
  });

  test('properties of collections are readable; a collection has no text but exists', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/dir/leaf', 'x');
    await registry.setProperty('gov:/dir@owner', 'team');
    expect(registry.readProperty('gov:/dir', 'owner')).toBe('team');
    expect(registry.readText('gov:/dir')).toBeNull();
    expect(registry.exists('gov:/dir')).toBe(true);
    expect(registry.readText('gov:/dir/leaf')).toBe('x');
  });

  test('setProperty keeps the content; null removes the property; a key without @ is refused', async () => {
    const { registry } = makeRegistry();
    await registry.write('conf:/r', 'content');
    await registry.setProperty('conf:/r@p', 'v');
    expect(registry.readText('conf:/r')).toBe('content');
    expect(registry.readProperties('conf:/r')).toEqual({ p: 'v' });
    await registry.setProperty('conf:/r@p', null);
    expect(registry.readProperties('conf:/r')).toEqual({});
    await expect(registry.setProperty('conf:/r', 'v')).rejects.toThrow(/names no property/);
  });

  test('update replaces the content of an existing resource and keeps its properties', async () => {
    const { registry, stores } = makeRegistry();
    await registry.put('gov:/u', Buffer.from('old'), 'application/json', { keep: 'me' });
    expect(await registry.update('gov:/u', 'new')).toBe(true);
    expect(registry.readText('gov:/u')).toBe('new');
    expect(registry.readProperties('gov:/u')).toEqual({ keep: 'me' });
    expect((await stores.gov.get('/u'))?.mediaType).toBe('application/json');
  });

  test('update of a missing resource is a no-op returning false', async () => {
    const { registry } = makeRegistry();
    expect(await registry.update('gov:/missing', 'v')).toBe(false);
    expect(registry.exists('gov:/missing')).toBe(false);
  });

  test('delete removes a resource, or a collection with everything below it; deleting nothing is fine', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/d/a', '1');
    await registry.write('gov:/d/sub/b', '2');
    await registry.write('gov:/dx', 'sibling');
    await registry.delete('gov:/d/a');
    expect(registry.exists('gov:/d/a')).toBe(false);
    expect(registry.exists('gov:/d')).toBe(true);
    await registry.delete('gov:/d');
    expect(registry.exists('gov:/d')).toBe(false);
    expect(registry.exists('gov:/d/sub/b')).toBe(false);
    expect(registry.readText('gov:/dx')).toBe('sibling');
    await expect(registry.delete('gov:/d')).resolves.toBeUndefined();
    expect(await registry.remove('gov:/dx')).toBe(true);
    expect(await registry.remove('gov:/dx')).toBe(false);
  });

  test('exists', async () => {
    const { registry } = makeRegistry();
    expect(registry.exists('local:/e')).toBe(false);
    await registry.write('local:/e', '');
    expect(registry.exists('local:/e')).toBe(true);
    expect(registry.exists('gov:/e')).toBe(false);
  });

  test('get, put and list give the whole resource for the CLI', async () => {
    const { registry } = makeRegistry();
    await registry.put('local:/l/b', Buffer.from([0, 1, 2]), 'application/octet-stream', { x: 'y' });
    await registry.write('local:/l/a', 'a');
    const r = await registry.get('local:/l/b');
    expect(r?.content.equals(Buffer.from([0, 1, 2]))).toBe(true);
    expect(r?.mediaType).toBe('application/octet-stream');
    expect(r?.properties).toEqual({ x: 'y' });
    expect((await registry.list('local:/l')).map((e) => e.path)).toEqual(['/l/a', '/l/b']);
  });

  test('a write below a plain resource fails with the store’s error and keeps the resource', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/plain', 'p');
    await expect(registry.write('gov:/plain/child', 'c')).rejects.toBeInstanceOf(RegistryStoreError);
    expect(registry.readText('gov:/plain')).toBe('p');
  });

  test('a write is seen by the next read at once (the store cache is invalidated)', async () => {
    const { registry } = makeRegistry();
    await registry.write('gov:/c', '1');
    expect(registry.readText('gov:/c')).toBe('1');
    await registry.write('gov:/c', '2');
    expect(registry.readText('gov:/c')).toBe('2');
    await registry.update('gov:/c', '3');
    expect(registry.readText('gov:/c')).toBe('3');
    await registry.delete('gov:/c');
    expect(registry.readText('gov:/c')).toBeNull();
  });
});

describe('Registry: read-only scopes (regional gateway)', () => {
  test('a write to gov: throws RegistryReadOnlyError naming the key and local:/same/path; nothing is written', async () => {
    const { registry, stores } = makeRegistry({ govReadOnly: true });
    const err = await readOnlyError(registry.write('gov:/same/path', 'v'));
    expect(err).toBeInstanceOf(MediationError);
    expect(err.code).toBe('MEDIATE_REGISTRY_READ_ONLY');
    expect(err.message).toContain('"gov:/same/path"');
    expect(err.message).toContain('"local:/same/path"');
    expect(err.message).toContain('registry.governance.readOnly');
    expect(await stores.gov.get('/same/path')).toBeNull();
    expect(await stores.gov.get('/same')).toBeNull();
    expect(await stores.local.get('/same/path')).toBeNull();
  });

  test('the key in the message is the normalised one, also for a key without prefix', async () => {
    const { registry } = makeRegistry({ govReadOnly: true });
    const err = await readOnlyError(registry.write('same//path/', 'v'));
    expect(err.message).toContain('"gov:/same/path"');
    expect(err.message).toContain('"local:/same/path"');
  });

  test('every kind of write to a read-only gov: is refused and leaves existing data alone; reads still work', async () => {
    const { registry, stores } = makeRegistry({ govReadOnly: true });
    await stores.gov.put('/seq/in.xml', text('<sequence/>', { v: '1' }));
    await readOnlyError(registry.write('gov:/seq/in.xml', 'x'));
    await readOnlyError(registry.write('gov:/seq/in.xml', 'x', 'v'));
    await readOnlyError(registry.update('gov:/seq/in.xml', 'x'));
    await readOnlyError(registry.put('gov:/seq/in.xml', Buffer.from('x')));
    await readOnlyError(registry.setProperty('gov:/seq/in.xml@v', '2'));
    await readOnlyError(registry.delete('gov:/seq/in.xml'));
    await readOnlyError(registry.remove('gov:/seq'));
    expect(registry.readText('gov:/seq/in.xml')).toBe('<sequence/>');
    expect(registry.readProperty('gov:/seq/in.xml', 'v')).toBe('1');
    expect(registry.exists('gov:/seq')).toBe(true);
  });

  test('conf: read-only likewise, pointing at registry.config.readOnly', async () => {
    const { registry, stores } = makeRegistry({ confReadOnly: true });
    const err = await readOnlyError(registry.write('conf:/x/y', 'v'));
    expect(err.message).toContain('"conf:/x/y"');
    expect(err.message).toContain('"local:/x/y"');
    expect(err.message).toContain('registry.config.readOnly');
    expect(await stores.conf.get('/x/y')).toBeNull();
    await readOnlyError(registry.update('conf:/x/y', 'v'));
    await readOnlyError(registry.delete('conf:/x/y'));
    // gov: is not affected by conf:'s setting.
    await registry.write('gov:/x/y', 'g');
    expect(registry.readText('gov:/x/y')).toBe('g');
  });

  test('local: stays writable when gov: and conf: are read-only', async () => {
    const { registry, stores } = makeRegistry({ govReadOnly: true, confReadOnly: true });
    await registry.write('local:/same/path', 'v');
    await registry.write('local:/same/path2', 'v', 'p');
    expect(await registry.update('local:/same/path', 'w')).toBe(true);
    expect(registry.readText('local:/same/path')).toBe('w');
    expect(registry.readProperty('local:/same/path2', 'p')).toBe('v');
    expect((await stores.local.get('/same/path'))?.content.toString()).toBe('w');
    await registry.delete('local:/same/path');
    expect(registry.exists('local:/same/path')).toBe(false);
  });
});

describe('Registry: redirectGovernanceTo local', () => {
  test('gov: writes land in the local store, even when gov: is read-only', async () => {
    const { registry, stores } = makeRegistry({ govReadOnly: true, redirect: true });
    await registry.write('gov:/t/x', 'token');
    await registry.write('/t/y', 'no prefix');
    await registry.write('gov:/t/z', 'v', 'p');
    expect((await stores.local.get('/t/x'))?.content.toString()).toBe('token');
    expect((await stores.local.get('/t/y'))?.content.toString()).toBe('no prefix');
    expect((await stores.local.get('/t/z'))?.properties).toEqual({ p: 'v' });
    expect(await stores.gov.get('/t/x')).toBeNull();
    expect(await stores.gov.get('/t')).toBeNull();
  });

  test('gov: reads come from the local store, not from the governance store', async () => {
    const { registry, stores } = makeRegistry({ redirect: true });
    await stores.gov.put('/k', text('from gov'));
    expect(registry.readText('gov:/k')).toBeNull();
    expect(registry.exists('gov:/k')).toBe(false);
    await stores.local.put('/k', text('from local', { p: 'lp' }));
    expect(registry.readText('gov:/k')).toBe('from local');
    expect(registry.readText('/k')).toBe('from local');
    expect(registry.readProperty('gov:/k', 'p')).toBe('lp');
    expect(await registry.update('gov:/k', 'updated')).toBe(true);
    expect(registry.readText('local:/k')).toBe('updated');
    await registry.delete('gov:/k');
    expect(await stores.local.get('/k')).toBeNull();
    expect((await stores.gov.get('/k'))?.content.toString()).toBe('from gov');
  });

  test('conf: is not redirected', async () => {
    const { registry, stores } = makeRegistry({ redirect: true });
    await registry.write('conf:/c', 'c');
    expect((await stores.conf.get('/c'))?.content.toString()).toBe('c');
    expect(await stores.local.get('/c')).toBeNull();
  });
});

describe('Registry: bad keys', () => {
  test('reads throw RegistryKeyError', () => {
    const { registry } = makeRegistry();
    expect(() => registry.readText('gov:/../etc/passwd')).toThrow(RegistryKeyError);
    expect(() => registry.readText('nope:/a')).toThrow(RegistryKeyError);
    expect(() => registry.exists('gov:/a\nb')).toThrow(RegistryKeyError);
    expect(() => registry.readProperty('gov:/a@p', 'p')).toThrow(RegistryKeyError);
  });

  test('writes reject with RegistryKeyError and write nothing', async () => {
    const { registry, stores } = makeRegistry();
    await expect(registry.write('gov:/a/../b', 'v')).rejects.toBeInstanceOf(RegistryKeyError);
    await expect(registry.write('foo:/a', 'v')).rejects.toBeInstanceOf(RegistryKeyError);
    await expect(registry.write('gov:/a@p', 'v')).rejects.toBeInstanceOf(RegistryKeyError);
    await expect(registry.update('gov:/a@p@q', 'v')).rejects.toBeInstanceOf(RegistryKeyError);
    await expect(registry.setProperty('gov:/a@', 'v')).rejects.toBeInstanceOf(RegistryKeyError);
    expect(await stores.gov.list('/')).toEqual([]);
  });

  test('a bad key is reported as a bad key even on a read-only scope', async () => {
    const { registry } = makeRegistry({ govReadOnly: true });
    await expect(registry.write('gov:/../x', 'v')).rejects.toBeInstanceOf(RegistryKeyError);
  });
});
