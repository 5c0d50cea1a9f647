import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it, test } from 'vitest';
import { MemberPath } from '../../../engine/expression/member-path.js';

/** What json-eval made of jsonpath-plus's answer for a definite path. */
function library(path: string, json: unknown): { found: boolean; value: unknown } {
  const matches = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
  return matches.length === 0 ? { found: false, value: undefined } : { found: true, value: matches[0] };
}

const DOC = { a: { b: [10, { c: 'x' }], 'odd key': 1, '-1': 'minus one', '': 'empty' }, s: 'str', n: null, z: 0 };

describe('MemberPath', () => {
  it('compiles member and index steps, in dot and bracket notation', () => {
    for (const path of ['$.a.b', "$['a']['b']", '$["a"].b[1].c', '$.a.b[0]', "$.a['odd key']", '$.a[-1]', '$.s.length', '$.s[0]', "$.a['']"]) {
      const compiled = MemberPath.compile(path);
      expect(compiled, path).toBeDefined();
      expect(compiled!.select(DOC), path).toEqual(library(path, DOC));
    }
    expect(MemberPath.compile('$.a.b[1].c')!.select(DOC)).toEqual({ found: true, value: 'x' });
    expect(MemberPath.compile('$.a.b[-1]')!.select(DOC)).toEqual({ found: false, value: undefined });
    expect(MemberPath.compile('$.a[-1]')!.select(DOC)).toEqual({ found: true, value: 'minus one' });
    expect(MemberPath.compile('$.n')!.select(DOC)).toEqual({ found: true, value: null });
    expect(MemberPath.compile('$.n.x')!.select(DOC)).toEqual({ found: false, value: undefined });
    expect(MemberPath.compile('$.z.x')!.select(DOC)).toEqual({ found: false, value: undefined });
    expect(MemberPath.compile('$.missing')!.select(DOC)).toEqual({ found: false, value: undefined });
    expect(MemberPath.compile('$.a.toString')!.select(DOC)).toEqual({ found: false, value: undefined });
  });

  it('leaves wildcards, deep scan, filters, unions, slices and the other operators to jsonpath-plus', () => {
    for (const path of ['$', '$.*', '$..a', '$.a[?(@.c)]', '$.a[0,1]', '$.a[0:1]', '$.a[(@.length-1)]', '$.a~', '$.a^', '$.a.$', '$.a.@string()', '$.a.`b']) {
      expect(MemberPath.compile(path), path).toBeUndefined();
    }
  });

  test('finds what jsonpath-plus finds, on random documents and member paths', () => {
    const key = fc.oneof(fc.constantFrom('a', 'b', 'length', '0', '1', '-1', 'odd key', '__proto__', 'constructor'), fc.string({ maxLength: 3 }));
    const step = fc.oneof(
      key.filter((k) => /^[A-Za-z_][\w]*$/.test(k)).map((k) => `.${k}`),
      key.filter((k) => !/['\]\\.~^*,:?()@`$[{}#]/.test(k)).map((k) => `['${k}']`),
      fc.integer({ min: -2, max: 3 }).map((i) => `[${i}]`),
    );
    const document = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node.filter((json) => Boolean(json));
    fc.assert(
      fc.property(document, fc.array(step, { minLength: 1, maxLength: 4 }), (json, steps) => {
        const path = `$${steps.join('')}`;
        const compiled = MemberPath.compile(path);
        if (compiled) expect(compiled.select(json)).toEqual(library(path, json));
      }),
      { numRuns: 3000 },
    );
  });
});
