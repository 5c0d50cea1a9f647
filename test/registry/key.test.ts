import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatKey, parentPath, parseKey, RegistryKeyError, SCOPES, type RegistryKey } from '../../registry/key.js';

/** The error parseKey throws for `key`, or a failure when it throws none. */
function keyError(key: string, options?: { allowProperty?: boolean }): RegistryKeyError {
  try {
    parseKey(key, options);
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryKeyError);
    return err as RegistryKeyError;
  }
  throw new Error(`parseKey(${JSON.stringify(key)}) did not throw`);
}

describe('parseKey: prefixes (reference §4.1)', () => {
  test.each([
    ['gov:/a/b', { scope: 'gov', path: '/a/b' }],
    ['conf:/a/b', { scope: 'conf', path: '/a/b' }],
    ['local:/a/b', { scope: 'local', path: '/a/b' }],
    ['conf:a/b', { scope: 'conf', path: '/a/b' }],
  ])('%s', (key, expected) => {
    expect(parseKey(key)).toEqual(expected);
  });

  test('no prefix means gov:, with or without a leading slash', () => {
    expect(parseKey('/a/b')).toEqual({ scope: 'gov', path: '/a/b' });
    expect(parseKey('a/b')).toEqual({ scope: 'gov', path: '/a/b' });
  });

  test('an empty key, or a bare prefix, is the root of its scope', () => {
    expect(parseKey('')).toEqual({ scope: 'gov', path: '/' });
    expect(parseKey('local:')).toEqual({ scope: 'local', path: '/' });
    expect(parseKey('conf:/')).toEqual({ scope: 'conf', path: '/' });
  });

  test('an unknown prefix is refused, naming it and the valid ones', () => {
    const e = keyError('foo:/a');
    expect(e.message).toContain('unknown prefix "foo:"');
    expect(e.message).toContain('gov:, conf: or local:');
    expect(e.code).toBe('MEDIATE_REGISTRY_BAD_KEY');
    expect(keyError('GOV:/a').message).toContain('unknown prefix "GOV:"');
    expect(keyError('http://example.com/a').message).toContain('unknown prefix "http:"');
  });

  test('a colon after the first segment is part of the path, not a prefix', () => {
    expect(parseKey('/a:b/c')).toEqual({ scope: 'gov', path: '/a:b/c' });
    expect(parseKey('gov:conf:/x')).toEqual({ scope: 'gov', path: '/conf:/x' });
  });
});

describe('parseKey: normalisation', () => {
  test.each([
    ['gov:a//b/./c/', '/a/b/c'],
    ['gov:///a', '/a'],
    ['local:/./a/./', '/a'],
    ['/a/b/', '/a/b'],
    ['gov:/a/.../b', '/a/.../b'],
    ['gov:/a/..b/c..', '/a/..b/c..'],
  ])('%s → %s', (key, path) => {
    expect(parseKey(key).path).toBe(path);
  });
});

describe('parseKey: @property (reference §4.3)', () => {
  test('one @ splits off a property name', () => {
    expect(parseKey('gov:/a/b@prop')).toEqual({ scope: 'gov', path: '/a/b', property: 'prop' });
    expect(parseKey('local:a//b/@p q')).toEqual({ scope: 'local', path: '/a/b', property: 'p q' });
  });

  test('without @ there is no property field at all', () => {
    expect('property' in parseKey('gov:/a')).toBe(false);
  });

  test('more than one @, or an empty property name, is refused', () => {
    expect(keyError('gov:/a@b@c').message).toContain('at most one @');
    expect(keyError('gov:/a@@b').message).toContain('at most one @');
    expect(keyError('gov:/a@').message).toContain('at most one @');
  });

  test('a property is refused where the caller allows none', () => {
    expect(keyError('gov:/a@p', { allowProperty: false }).message).toContain('property (@name) is not allowed');
    expect(parseKey('gov:/a', { allowProperty: false })).toEqual({ scope: 'gov', path: '/a' });
  });
});

describe('parseKey: refused keys', () => {
  test.each(['gov:/a/../b', '..', 'local:../x', '/a/..', 'conf:/a/b/../../..'])('.. in %s', (key) => {
    expect(keyError(key).message).toContain('".." is not allowed');
  });

  test('.. in a property name is not a path and is allowed', () => {
    expect(parseKey('gov:/a@..')).toEqual({ scope: 'gov', path: '/a', property: '..' });
  });

  test.each([
    ['\n', '\\x0a'],
    ['\u0000', '\\x00'],
    ['\u001f', '\\x1f'],
    ['\u007f', '\\x7f'],
    ['\t', '\\x09'],
  ])('control character %j is refused and shown escaped', (c, shown) => {
    const e = keyError(`gov:/a${c}b`);
    expect(e.message).toContain('control character');
    expect(e.message).toContain(`gov:/a${shown}b`);
    expect(e.message).not.toContain(c);
  });

  test('a control character in the property name is refused too', () => {
    expect(keyError('gov:/a@p\r').message).toContain('control character');
  });

  test('keys up to 1024 characters are accepted, longer ones refused with a shortened echo', () => {
    const longest = 'gov:/' + 'a'.repeat(1024 - 5);
    expect(longest).toHaveLength(1024);
    expect(parseKey(longest).path).toBe('/' + 'a'.repeat(1019));
    const e = keyError(longest + 'a');
    expect(e.message).toContain('longer than 1024 characters');
    expect(e.message.length).toBeLessThan(200);
  });
});

describe('formatKey and parentPath', () => {
  test.each(['gov:/a/b', 'conf:/x', 'local:/a/b@p', 'gov:/', 'local:/ü/日本@名前'])('%s round trips', (key) => {
    expect(formatKey(parseKey(key))).toBe(key);
    expect(parseKey(formatKey(parseKey(key)))).toEqual(parseKey(key));
  });

  test('formatKey writes the canonical form', () => {
    expect(formatKey(parseKey('a//b/'))).toBe('gov:/a/b');
    expect(formatKey(parseKey('local:x/./y@p'))).toBe('local:/x/y@p');
  });

  test('parentPath', () => {
    expect(parentPath('/a/b/c')).toBe('/a/b');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/')).toBeNull();
  });
});

describe('parseKey property test', () => {
  /** Strings built from the pieces that matter to the parser, so that odd combinations actually occur. */
  const keyish = fc
    .array(
      fc.oneof(
        fc.constantFrom('gov:', 'conf:', 'local:', 'foo:', ':', '/', '//', '.', '..', '...', '@', 'a', 'b', '\\', '%2e', ' ', '\n', '\u007f', '日'),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 16 },
    )
    .map((parts) => parts.join(''));

  const isKey = (k: RegistryKey) =>
    (SCOPES as readonly string[]).includes(k.scope) &&
    k.path.startsWith('/') &&
    !k.path.split('/').includes('..') &&
    !k.path.split('/').includes('.') &&
    (k.path === '/' || (!k.path.endsWith('/') && !k.path.includes('//'))) &&
    (k.property === undefined || (k.property !== '' && !k.property.includes('@')));

  test('for any string, parseKey returns a normalised key that cannot escape its scope, or throws RegistryKeyError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ maxLength: 1100 }), keyish), (s) => {
        let key: RegistryKey;
        try {
          key = parseKey(s);
        } catch (err) {
          return err instanceof RegistryKeyError;
        }
        if (!isKey(key)) return false;
        // The canonical form names the same key (when it still fits the length limit).
        const canonical = formatKey(key);
        return canonical.length > 1024 || JSON.stringify(parseKey(canonical)) === JSON.stringify(key);
      }),
      { numRuns: 3000 },
    );
  });
});
