import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { TemplateError, UriTemplateMatcher } from '../../engine/api/uri-template-matcher.js';
import { Diagnostics } from '../../engine/config/diagnostics.js';
import { loadGatewayConfig } from '../../engine/config/gateway-config.js';
import { UnsafeTargetError, UriTemplate } from '../../engine/endpoint/target-url.js';
import { MediateError, MediationError, PayloadError } from '../../engine/errors.js';
import { compileExpression } from '../../engine/expression/expression.js';
import { compileFlow } from '../../engine/gateway/flow-store.js';
import { parseConfigText } from '../../engine/loader/loader.js';
import { DEFAULT_PAYLOAD_LIMITS, Payload } from '../../engine/message/payload.js';
import { MASK, redactText } from '../../engine/redact.js';
import { parseXml } from '../../engine/xml/dom.js';
import { builtinMediators } from '../../mediators/index.js';
import { makeMessage, makeRuntime } from '../support/runtime.js';

/**
 * Property-based tests of what parses untrusted or hand-written text (docs/security.md): for any input, a result
 * or a typed error (a MediateError subclass, or diagnostics for the configuration loaders), never another
 * exception, and never slow. Registry keys have theirs in test/registry/key.test.ts, REST_URL_POSTFIX joining in
 * test/unit/endpoint/target-url.test.ts.
 */

/** No single input may take longer than this (a hang shows as a test timeout instead). */
const SLOW_MS = 1000;

function bounded<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  const took = performance.now() - started;
  if (took > SLOW_MS) throw new Error(`took ${took.toFixed(0)} ms`);
  return result;
}

/** `run` returns, or throws an instance of one of `errors`; anything else fails the property. */
function typed(run: () => unknown, ...errors: Array<abstract new (...args: never[]) => Error>): boolean {
  try {
    bounded(run);
    return true;
  } catch (err) {
    if (errors.some((e) => err instanceof e)) return true;
    throw err;
  }
}

const NAMES = ['a', 'r', 'jsonObject', 'soapenv:Envelope', 'soapenv:Body', 'x:y', 'sequence', 'log', 'property', '__proto__', 'constructor'];

/** XML-shaped text: tags, attributes, entities, DOCTYPE and comment pieces, in any order and nesting. */
const xmlish: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('text', '&amp;', '&lt;', '&#65;', '&#x110000;', '&x;', '&', '<', '>', ']]>', '"', "'", '\u0000', '\uFFFE', ' '),
    fc.constantFrom('<!DOCTYPE r>', '<!DOCTYPE r [<!ENTITY x "y">]>', '<!ENTITY x SYSTEM "file:///etc/passwd">', '<?xml version="1.0"?>', '<!-- c -->', '<![CDATA[ <a> ]]>', '<?pi x?>'),
    fc.string({ maxLength: 12 }),
    fc
      .tuple(
        fc.constantFrom(...NAMES),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'xmlns', 'xmlns:p', 'p:a', '__proto__'), fc.string({ maxLength: 6 })), { maxLength: 4 }),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.boolean(),
      )
      .map(([name, attrs, children, close]) => {
        const a = attrs.map(([k, v]) => ` ${k}="${v.replace(/"/g, '&quot;')}"`).join('');
        return children.length === 0 && close ? `<${name}${a}/>` : `<${name}${a}>${children.join('')}${close ? `</${name}>` : ''}`;
      }),
  ),
})).node;

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), xmlish);

describe('the XML payload parser (parseXml)', () => {
  const limits = fc.record({ maxDepth: fc.integer({ min: 1, max: 20 }), maxElements: fc.integer({ min: 1, max: 50 }), maxAttributes: fc.integer({ min: 0, max: 5 }) });

  test('any text: a document within the limits, or a PayloadError', () => {
    fc.assert(
      fc.property(anyText, limits, (text, l) =>
        typed(() => {
          const doc = parseXml(text, l);
          // What the limits promise, checked on the tree that was built.
          const walk = (el: import('@xmldom/xmldom').Element, depth: number): number => {
            expect(depth).toBeLessThanOrEqual(l.maxDepth);
            expect(el.attributes.length).toBeLessThanOrEqual(l.maxAttributes);
            let count = 1;
            for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) count += walk(n as import('@xmldom/xmldom').Element, depth + 1);
            return count;
          };
          expect(walk(doc.documentElement!, 1)).toBeLessThanOrEqual(l.maxElements);
          expect(doc.doctype).toBeNull();
        }, PayloadError),
      ),
      { numRuns: 1500 },
    );
  });

  test('any text containing a DOCTYPE is refused', () => {
    fc.assert(
      fc.property(xmlish, xmlish, fc.constantFrom('<!DOCTYPE r>', '<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd">', '<!DOCTYPE r [<!ENTITY x "y">]>'), (before, after, doctype) => {
        expect(() => parseXml(`${before}${doctype}${after}`)).toThrow(PayloadError);
      }),
      { numRuns: 300 },
    );
  });

  test('pathological sizes are refused fast (within the body limit)', () => {
    for (const text of ['<a>'.repeat(1_000_000), `<r>${'<i/>'.repeat(1_000_000)}</r>`, `<r ${Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ')}/>`]) {
      expect(() => bounded(() => parseXml(text))).toThrow(PayloadError);
    }
  });
});

describe('payloads of any content type', () => {
  const contentType = fc.constantFrom('application/json', 'application/xml', 'text/xml', 'application/soap+xml', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', null);
  const json = fc.oneof(fc.json({ maxDepth: 6 }), fc.string({ maxLength: 100 }), fc.constantFrom('{"__proto__":{"x":1}}', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', '1e999', '"\\ud800"'));

  test('building, converting and serialising: a result or a PayloadError, and no prototype is ever touched', () => {
    const limits = { ...DEFAULT_PAYLOAD_LIMITS, maxDepth: 10, maxElements: 100, maxJsonDepth: 10, maxJsonValues: 100 };
    fc.assert(
      fc.property(fc.oneof(json, anyText), contentType, (text, type) =>
        typed(() => {
          const payload = new Payload(Buffer.from(text), type, limits);
          payload.json();
          payload.envelope();
          payload.serialize('application/json');
          payload.serialize('application/xml');
          expect(Object.prototype).not.toHaveProperty('x');
        }, PayloadError),
      ),
      { numRuns: 1000 },
    );
  });
});

describe('the configuration loaders (XML and YAML)', () => {
  const yamlish = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    fc
      .array(fc.constantFrom('sequence:', '  name: s', '  children:', '    - log: { level: full }', '    - property: { name: a, value: b }', '  - x', '&a [*a, *a]', '!!js/function "x"', '<<: *a', ': :', '\t', 'key: "unterminated', '---', '...'), { maxLength: 10 })
      .map((lines) => lines.join('\n')),
  );

  test('parseConfigText: a tree, or errors in the diagnostics; it never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, yamlish), fc.constantFrom('f.xml', 'f.yaml'), (text, file) => {
        const diagnostics = new Diagnostics();
        const root = bounded(() => parseConfigText(text, file, diagnostics));
        expect(root !== undefined || diagnostics.errors.length > 0).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  test('compileFlow (an uploaded flow, through the whole compiler): a sequence, or diagnostics', () => {
    const mediators = builtinMediators();
    const artifacts = { sequence: () => undefined, localEntry: () => undefined, endpoint: () => undefined };
    const flows = fc.oneof(
      xmlish.map((x) => `<sequence xmlns="http://ws.apache.org/ns/synapse" name="s">${x}</sequence>`),
      fc
        .array(fc.constantFrom('<log level="full"/>', '<property name="a" expression="$ctx:b"/>', '<property name="a" expression="//*["/>', '<filter xpath="1 div 0"><then><drop/></then></filter>', '<script language="js">for(;;){}</script>', '<header name="X A" value="b"/>', '<payloadFactory media-type="json"><format>{"a": $1}</format><args><arg expression="json-eval($.a"/></args></payloadFactory>', '<send><endpoint><http uri-template="http://{uri.var.h}/x"/></endpoint></send>', '<unknown/>'), { maxLength: 6 })
        .map((m) => `<sequence xmlns="http://ws.apache.org/ns/synapse" name="s">${m.join('')}</sequence>`),
      yamlish,
    );
    fc.assert(
      fc.property(flows, fc.constantFrom('f.xml', 'f.yaml'), (text, file) => {
        const result = bounded(() => compileFlow(text, file, mediators, artifacts));
        expect(result.sequence !== undefined || result.diagnostics.errors.length > 0).toBe(true);
      }),
      { numRuns: 800 },
    );
  });

  test('gateway.yaml: a configuration, or a ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mediate-fuzz-'));
    try {
      const gatewayYaml = fc.oneof(
        yamlish,
        fc.record({ limits: fc.dictionary(fc.constantFrom('maxBodyBytes', 'maxHeaderCount', 'headersTimeoutMs', 'requestTimeoutMs', 'maxXmlDepth', 'maxJsonValues', 'other'), fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null))) }).map((o) => JSON.stringify(o)),
      );
      fc.assert(
        fc.property(gatewayYaml, (text) => {
          writeFileSync(join(dir, 'gateway.yaml'), text);
          return typed(() => loadGatewayConfig(dir, { env: {} }), MediateError);
        }),
        { numRuns: 500 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the expression compiler', () => {
  const expressionish = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.array(fc.constantFrom('json-eval(', '$.', 'a', '[', ']', '*', '..', '?(@.a>1)', ')', '$ctx:', 'get-property(', "'", '"', ',', '//', '/', 'count(', 'concat(', 'x:y', '::', '${', '}', '1 div 0', 'fn:', '@', '|', ' or ', '(', '$body', '$trp:'), { maxLength: 12 }).map((p) => p.join('')),
  );

  test('compile: an expression or an ExpressionError; evaluated: a value or a MediationError', () => {
    const mc = makeMessage({ runtime: makeRuntime(), body: '{"a":[1,2,{"b":"c"}]}', contentType: 'application/json' });
    fc.assert(
      fc.property(expressionish, (source) =>
        typed(() => {
          const expression = compileExpression(source, new Map([['x', 'urn:x']]));
          typed(() => {
            expression.stringValue(mc);
            expression.booleanValue(mc);
            expression.nodes(mc);
          }, MediationError);
        }, MediationError),
      ),
      { numRuns: 1500 },
    );
  });
});

describe('uri-templates', () => {
  const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('..', '.', '%2e%2e', '../..', '@evil.test', '//evil.test', 'http://evil.test/', ':8080', '\r\n', '\0', '?a=b', '#f', '%zz', '\\..\\'));

  test('endpoint expansion: for any variable values the origin stays the template’s, or UnsafeTargetError', () => {
    const templates = ['http://127.0.0.1:8080/base/{uri.var.a}', 'http://h.test/{uri.var.a}/{uri.var.b}?q={query.param.q}', 'https://h.test:8443/x/{+uri.var.a}', 'http://h.test/{uri.var.a}{?query.param.q}', 'legacy-encoding:http://h.test/{uri.var.a}/{+uri.var.b}'];
    fc.assert(
      fc.property(fc.constantFrom(...templates), value, value, value, (source, a, b, q) => {
        const template = new UriTemplate(source);
        let url: URL;
        try {
          url = bounded(() => template.expand({ 'uri.var.a': a, 'uri.var.b': b, 'query.param.q': q }));
        } catch (err) {
          if (err instanceof UnsafeTargetError || err instanceof MediationError) return true;
          throw err;
        }
        const origin = new URL(source.replace('legacy-encoding:', '').replace(/\{[^}]*\}/g, '')).origin;
        return url.origin === origin && !url.pathname.split('/').includes('..');
      }),
      { numRuns: 3000 },
    );
  });

  test('any endpoint template text: a template or a MediationError (a load-time diagnostic), and expansion is typed too', () => {
    const source = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.constantFrom('http://', 'h', ':1', '/', '{', '}', '+', 'uri.var.a', '?', '#', '{?', '{/', 'legacy-encoding:', '%', ','), { maxLength: 10 }).map((p) => p.join('')));
    fc.assert(
      fc.property(source, value, (text, a) =>
        typed(() => {
          const template = new UriTemplate(text);
          typed(() => template.expand({ 'uri.var.a': a }), MediationError);
        }, MediationError),
      ),
      { numRuns: 2000 },
    );
  });

  test('resource templates (dispatch): a matcher or a TemplateError; matching any path returns', () => {
    const template = fc.oneof(fc.string({ maxLength: 30 }), fc.array(fc.constantFrom('/', 'a', '{', '}', 'x', '+', '*', '?', '=', '&', '{+p}', '{x,y}', '{/v}', '{.f}', '{?q}', '(', '[', '\\', '.*'), { maxLength: 10 }).map((p) => p.join('')));
    const path = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom('/', 'a', '%2F', '%zz', '..', '?', '&', '=', 'x'.repeat(50)), { maxLength: 30 }).map((p) => p.join('')));
    fc.assert(
      fc.property(template, path, (t, p) =>
        typed(() => {
          const matcher = new UriTemplateMatcher(t);
          bounded(() => matcher.match(p));
        }, TemplateError),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the redaction list', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9._~+/-]{8,40}$/);
  /** User info ends at the first "/" of a URL: a password with one is written %2F. */
  const userinfo = (s: string) => s.replace(/\//g, '%2F');

  test('a credential after an auth scheme, in a URL’s user info or under a secret’s name never shows', () => {
    fc.assert(
      fc.property(secret, fc.constantFrom('Bearer', 'Basic', 'bearer'), fc.constantFrom('access_token', 'client_secret', 'password', 'refresh_token', 'api_key', 'Authorization'), fc.string({ maxLength: 20 }), (s, scheme, name, noise) => {
        for (const [text, hidden] of [
          [`${noise} ${scheme} ${s} ${noise}`, s],
          [`${noise} http://user:${userinfo(s)}@h.test/x ${noise}`, userinfo(s)],
          [`${name}=${s}&x=1`, s],
          [`{"${name}":"${s}"}`, s],
          [`${name}: ${s}`, s],
        ]) {
          const shown = redactText(text!);
          expect(shown, text).not.toContain(hidden);
          expect(shown).toContain(MASK);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('inputs these properties found, kept as regressions', () => {
  test('a YAML key that is no XML name ("a b") is a diagnostic at the key, not a DOM exception', () => {
    const diagnostics = new Diagnostics();
    parseConfigText('sequence:\n  name: s\n  children:\n    - "a b": x\n', 'f.yaml', diagnostics);
    expect(diagnostics.errors.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual(['4:7: <a b> cannot be written as XML: invalid character in qualified name "a b"']);
  });

  test('an endpoint template whose literal authority is no URL ("http://:1") is a MediationError, not a TypeError', () => {
    expect(() => new UriTemplate('http://:1/x')).toThrow(MediationError);
    expect(() => new UriTemplate('http://:1/x')).toThrow('"http://:1" is not a valid scheme, host and port');
  });
});

afterAll(() => {
  expect(Object.prototype).not.toHaveProperty('polluted');
});
