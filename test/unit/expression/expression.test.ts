import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../../engine/errors.js';
import { compileExpression, UNCOMPILED } from '../../../engine/expression/expression.js';
import { JsonPathExpression } from '../../../engine/expression/jsonpath-expression.js';
import { XPathExpression } from '../../../engine/expression/xpath-expression.js';
import { makeMessage } from '../../support/runtime.js';

const NONE = new Map<string, string>();

describe('compileExpression: classification by text (reference §3.1)', () => {
  it('compiles text starting with json-eval( as JSONPath', () => {
    const e = compileExpression('json-eval($.a)', NONE);
    expect(e).toBeInstanceOf(JsonPathExpression);
    expect(e.kind).toBe('jsonpath');
    expect(e.source).toBe('json-eval($.a)');
    expect(e.stringValue(makeMessage({ body: '{"a":"x"}', contentType: 'application/json' }))).toBe('x');
  });

  it('ignores whitespace around the attribute text', () => {
    const e = compileExpression('  json-eval( $.a )  ', NONE);
    expect(e.kind).toBe('jsonpath');
    expect(e.stringValue(makeMessage({ body: '{"a":1}', contentType: 'application/json' }))).toBe('1');
    expect(compileExpression("  get-property('To') ", NONE).stringValue(makeMessage({ to: '/p' }))).toBe('/p');
  });

  it('compiles anything else as XPath 1.0', () => {
    const e = compileExpression("concat('a', 'b')", NONE);
    expect(e).toBeInstanceOf(XPathExpression);
    expect(e.kind).toBe('xpath');
    expect(e.source).toBe("concat('a', 'b')");
    expect(e.stringValue(makeMessage())).toBe('ab');
  });

  it('treats json-eval only as a prefix: an XPath that merely contains it is XPath', () => {
    expect(() => compileExpression("concat('x', json-eval($.a))", NONE)).toThrow(ExpressionError);
  });

  it('refuses Synapse Expressions ${...} with a message naming them', () => {
    expect(() => compileExpression('${payload.a}', NONE)).toThrow(ExpressionError);
    expect(() => compileExpression('${payload.a}', NONE)).toThrow(/Synapse Expressions/);
    expect(() => compileExpression(' ${var.x} ', NONE)).toThrow(/not supported/);
  });

  it('refuses an empty expression', () => {
    expect(() => compileExpression('', NONE)).toThrow(ExpressionError);
    expect(() => compileExpression('   ', NONE)).toThrow(/empty/);
  });

  it('refuses an unclosed json-eval(', () => {
    expect(() => compileExpression('json-eval($.a', NONE)).toThrow(/not closed/);
  });

  it('refuses XPath syntax errors at compile time', () => {
    expect(() => compileExpression('//a[', NONE)).toThrow(ExpressionError);
    expect(() => compileExpression("concat('a',", NONE)).toThrow(/invalid XPath/);
  });

  it('reads a JSONPath without a root as relative to the root, as Jayway does', () => {
    const mc = makeMessage({ body: '{"store":{"book":"b"}}', contentType: 'application/json' });
    expect(compileExpression('json-eval(store.book)', NONE).stringValue(mc)).toBe('b');
  });
});

describe('UNCOMPILED', () => {
  it('stands for nothing: null string, false, no nodes', () => {
    const mc = makeMessage();
    expect(UNCOMPILED.stringValue(mc)).toBeNull();
    expect(UNCOMPILED.booleanValue(mc)).toBe(false);
    expect(UNCOMPILED.nodes(mc)).toEqual([]);
    expect(UNCOMPILED.rawValue(mc)).toBeNull();
  });
});
