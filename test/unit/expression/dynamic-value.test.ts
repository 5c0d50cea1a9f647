import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../engine/errors.js';
import { compileDynamic, resolveDynamic } from '../../../engine/expression/dynamic-value.js';
import { makeMessage } from '../../support/runtime.js';

const NONE = new Map<string, string>();

describe('dynamic values (reference §3.1)', () => {
  it('a value without braces is a literal', () => {
    const v = compileDynamic('seq/main', NONE);
    expect(v).toEqual({ literal: 'seq/main' });
    expect(resolveDynamic(v, makeMessage())).toBe('seq/main');
  });

  it('{xpath} is evaluated per message', () => {
    const v = compileDynamic("{get-property('seq')}", NONE);
    expect('expression' in v && v.expression.kind).toBe('xpath');
    expect(resolveDynamic(v, makeMessage({ properties: { seq: 'a' } }))).toBe('a');
    expect(resolveDynamic(v, makeMessage({ properties: { seq: 'b' } }))).toBe('b');
  });

  it('{json-eval(...)} is JSONPath', () => {
    const v = compileDynamic('{json-eval($.target)}', NONE);
    expect('expression' in v && v.expression.kind).toBe('jsonpath');
    expect(resolveDynamic(v, makeMessage({ body: '{"target":"t1"}', contentType: 'application/json' }))).toBe('t1');
  });

  it('resolves namespace prefixes from the declaring element', () => {
    const v = compileDynamic('{//m:key}', new Map([['m', 'urn:m']]));
    expect(resolveDynamic(v, makeMessage({ body: '<m:r xmlns:m="urn:m"><m:key>k</m:key></m:r>', contentType: 'application/xml' }))).toBe('k');
  });

  it('{{...}} is the literal with one pair of braces removed', () => {
    const v = compileDynamic("{{get-property('x')}}", NONE);
    expect(v).toEqual({ literal: "{get-property('x')}" });
    expect(resolveDynamic(v, makeMessage({ properties: { x: 'no' } }))).toBe("{get-property('x')}");
  });

  it('braces that do not wrap the whole text are literal', () => {
    expect(compileDynamic('a{b}', NONE)).toEqual({ literal: 'a{b}' });
    expect(compileDynamic('{a}b', NONE)).toEqual({ literal: '{a}b' });
    expect(compileDynamic('{', NONE)).toEqual({ literal: '{' });
    expect(compileDynamic('', NONE)).toEqual({ literal: '' });
  });

  it('an expression whose value is null resolves to ""', () => {
    expect(resolveDynamic(compileDynamic("{get-property('missing')}", NONE), makeMessage())).toBe('');
  });

  it('refuses {${...}} Synapse Expressions and empty braces', () => {
    expect(() => compileDynamic('{${var.x}}', NONE)).toThrow(ExpressionError);
    expect(() => compileDynamic('{}', NONE)).toThrow(ExpressionError);
  });

  it('refuses an invalid expression inside braces at compile time', () => {
    expect(() => compileDynamic('{//a[}', NONE)).toThrow(ExpressionError);
  });
});
