import { describe, expect, it } from 'vitest';
import { MediationError } from '../../../engine/errors.js';
import { HeaderMap } from '../../../engine/message/headers.js';

describe('HeaderMap (reference §1.4: transport headers have case-insensitive keys)', () => {
  it('reads, tests and deletes names case-insensitively', () => {
    const h = new HeaderMap();
    h.set('Content-Type', 'application/json');
    expect(h.get('content-type')).toBe('application/json');
    expect(h.get('CONTENT-TYPE')).toBe('application/json');
    expect(h.has('cOnTeNt-TyPe')).toBe(true);
    h.delete('CONTENT-type');
    expect(h.has('Content-Type')).toBe(false);
    expect(h.get('Content-Type')).toBeUndefined();
  });

  it('keeps one entry per name whatever the case, with the value last written', () => {
    const h = new HeaderMap();
    h.set('X-Token', 'a');
    h.set('x-token', 'b');
    expect(h.size).toBe(1);
    expect(h.get('X-TOKEN')).toBe('b');
  });

  it('keeps the spelling first written for output', () => {
    const h = new HeaderMap();
    h.set('X-Token', 'a');
    h.set('x-token', 'b');
    expect([...h]).toEqual([['X-Token', 'b']]);
    expect(h.toObject()).toEqual({ 'X-Token': 'b' });
  });

  it('accepts empty values', () => {
    const h = new HeaderMap();
    h.set('X-Empty', '');
    expect(h.has('x-empty')).toBe(true);
    expect(h.get('x-empty')).toBe('');
  });

  it.each(['bad name', 'a:b', '', 'x\r\ny', 'é', 'a\u0000', '(x)'])('refuses the name %j', (name) => {
    expect(() => new HeaderMap().set(name, 'v')).toThrow(MediationError);
  });

  it.each(['a\r\nX-Injected: 1', 'a\rb', 'a\nb', 'a\u0000b'])('refuses the value %j, which would split the request', (value) => {
    expect(() => new HeaderMap().set('X-A', value)).toThrow(MediationError);
    expect(() => new HeaderMap().set('X-A', value)).toThrow(/CR, LF or NUL/);
  });

  it('shows a refused name printably', () => {
    expect(() => new HeaderMap().set('x\r\ny', 'v')).toThrow(/x\\x0d\\x0ay/);
  });

  it('builds from a record, joining array values and skipping undefined', () => {
    const h = HeaderMap.from({ Accept: ['a/b', 'c/d'], 'X-A': '1', 'X-None': undefined });
    expect(h.get('accept')).toBe('a/b, c/d');
    expect(h.get('x-a')).toBe('1');
    expect(h.has('x-none')).toBe(false);
    expect(h.size).toBe(2);
  });

  it('builds from pairs, refusing bad ones', () => {
    expect(HeaderMap.from([['X-A', '1']]).get('x-a')).toBe('1');
    expect(() => HeaderMap.from([['X-A', 'a\nb']])).toThrow(MediationError);
  });

  it('clones independently', () => {
    const h = HeaderMap.from({ 'X-A': '1' });
    const copy = h.clone();
    copy.set('X-A', '2');
    copy.set('X-B', '3');
    expect(h.get('x-a')).toBe('1');
    expect(h.has('x-b')).toBe(false);
    expect(copy.get('x-a')).toBe('2');
  });

  it('clears', () => {
    const h = HeaderMap.from({ 'X-A': '1', 'X-B': '2' });
    h.clear();
    expect(h.size).toBe(0);
    expect([...h]).toEqual([]);
  });
});
