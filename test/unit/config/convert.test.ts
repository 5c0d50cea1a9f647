import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isApimStyle } from '../../../engine/api/apim-api.js';
import type { ConfigNode } from '../../../engine/config/config-node.js';
import { xmlToYaml, yamlToXml } from '../../../engine/config/convert.js';
import { Diagnostics } from '../../../engine/config/diagnostics.js';
import { ConfigLoader, parseConfigText } from '../../../engine/loader/loader.js';
import { builtinMediators } from '../../../mediators/index.js';
import { mediate, ROOT } from '../../support/cli.js';
import { CORPUS } from '../../corpus/corpus-table.js';

/** Every element, attribute, namespace and significant text: what a lossless conversion must keep. */
interface Canonical {
  ns: string | null;
  name: string;
  attrs: Array<[string, string]>;
  text: string;
  children: Canonical[];
}

function canonical(node: ConfigNode): Canonical {
  return {
    ns: node.namespace,
    name: node.name,
    attrs: [...node.attributes.values()].map((a) => [a.name, a.value] as [string, string]).sort(),
    text: node.children.length > 0 ? node.text.trim() : node.text,
    children: node.children.map(canonical),
  };
}

function parse(text: string, file: string): ConfigNode {
  const diagnostics = new Diagnostics();
  const node = parseConfigText(text, file, diagnostics);
  expect(diagnostics.errors).toEqual([]);
  return node!;
}

function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...files(path, pattern));
    else if (pattern.test(entry)) out.push(path);
  }
  return out;
}

/** The shipped sequences, the examples and the test sequences, and every corpus file that loads. */
const shipped = [
  ...files(join(ROOT, 'sequences'), /\.(xml|ya?ml)$/),
  ...files(join(ROOT, 'examples'), /\.(xml|ya?ml)$/).filter((f) => !f.endsWith('gateway.yaml') && !isApimStyle(readFileSync(f, 'utf8'))),
  ...files(join(ROOT, 'test/golden/cases'), /\.(xml|ya?ml)$/),
];
const corpus = files(CORPUS, /\.xml$/).filter((f) => {
  const loader = new ConfigLoader(builtinMediators());
  loader.loadFile(f);
  return loader.finish().diagnostics.errors.length === 0;
});

describe('mediate convert is lossless both ways', () => {
  test.each([...shipped, ...corpus].map((f) => [relative(ROOT, f), f]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    if (/\.ya?ml$/.test(file)) {
      const xml = yamlToXml(text, file);
      expect(canonical(parse(xml, 'back.xml'))).toEqual(canonical(parse(text, file)));
      expect(canonical(parse(xmlToYaml(xml, 'back.xml'), 'again.yaml'))).toEqual(canonical(parse(text, file)));
    } else {
      const yaml = xmlToYaml(text, file);
      expect(canonical(parse(yaml, 'converted.yaml'))).toEqual(canonical(parse(text, file)));
      expect(canonical(parse(yamlToXml(yaml, 'converted.yaml'), 'back.xml'))).toEqual(canonical(parse(text, file)));
    }
  });

  test('at least the shipped sequences and 60 corpus files were converted', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(10);
    expect(corpus.length).toBeGreaterThanOrEqual(60);
  });
});

describe('a converted sequence behaves the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mediate-convert-'));
  test.each(files(join(ROOT, 'test/golden/cases'), /\.case\.json$/).map((f) => [relative(ROOT, f), f]))('%s', (_name, caseFile) => {
    const c = JSON.parse(readFileSync(caseFile, 'utf8')) as { sequence: string; args?: string[]; stdin?: string; exitCode: number; expected: unknown };
    const source = join(ROOT, 'test/golden/cases', c.sequence);
    const to = /\.ya?ml$/.test(source) ? 'xml' : 'yaml';
    const converted = join(dir, `${c.sequence}.${to === 'xml' ? 'xml' : 'yaml'}`);
    const r = mediate(['convert', source, '--to', to, '-o', converted]);
    expect(r.code).toBe(0);
    const run = mediate(['run', converted, ...(c.args ?? [])], { input: c.stdin, cwd: dir });
    expect(run.code).toBe(c.exitCode);
    const out = JSON.parse(run.stdout) as { properties: { default: Record<string, unknown> } };
    // ERROR_DETAIL names the file and line the fault happened at, which differ in the converted file.
    delete out.properties.default['ERROR_DETAIL'];
    const expected = structuredClone(c.expected) as { properties: { default: Record<string, unknown> } };
    delete expected.properties.default['ERROR_DETAIL'];
    expect(out).toEqual(expected);
  });

  test('a malformed file gives file:line:col and exit 2', () => {
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<sequence xmlns="http://ws.apache.org/ns/synapse" name="x">\n<log>\n</sequence>');
    const r = mediate(['convert', bad, '--to', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.xml:3:1: malformed XML/);
  });
});
