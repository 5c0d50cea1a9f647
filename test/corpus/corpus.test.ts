import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../engine/config/diagnostics.js';
import { ConfigLoader } from '../../engine/loader/loader.js';
import { builtinMediators } from '../../mediators/index.js';
import { CORPUS, corpusFiles, type CorpusFile } from './corpus-table.js';

/**
 * Loads every file of the compatibility corpus (shared/corpus) and checks corpus/expectations.md: what Mediate
 * supports loads without error; what it does not is refused by element name and line, never skipped.
 */
const files = corpusFiles();
const mediators = builtinMediators();

/** Flagged elements Mediate implements, so they must load. */
const SUPPORTED_FLAGGED = new Set(['in', 'out']);

/**
 * `class` loads for API Manager's analytics hooks (registered no-ops) and is refused, at its name, for any other
 * class (docs/compatibility.md).
 */
const CLASS_REFUSAL = /^unsupported class mediator "/;

/** Flagged elements Mediate ignores with a warning instead of refusing (expectations.md allows either). */
const IGNORED_FLAGGED = new Set(['registry']);


function diagnostics(file: CorpusFile): Diagnostic[] {
  const loader = new ConfigLoader(mediators);
  loader.loadFile(join(CORPUS, file.path));
  return loader.finish().diagnostics.items;
}

function load(file: CorpusFile): Diagnostic[] {
  return diagnostics(file).filter((d) => d.severity === 'error');
}

/** Whether an error is one that the file's content explains. */
function explained(error: Diagnostic, file: CorpusFile): boolean {
  const m = error.message;
  if (file.flagged.some((f) => !SUPPORTED_FLAGGED.has(f.name) && m.includes(`<${f.name}>`))) return true;
  if (CLASS_REFUSAL.test(m) && file.elements.has('class')) return true;
  const refused = /^unsupported mediator <([\w-]+)>/.exec(m);
  if (refused && file.elements.has(refused[1]!)) return true;
  // Micro Integrator 4.4 syntax (${...} expressions, log message templates) is refused by name (expectations.md).
  return m.includes('<proxy>') || /E4X|script language "(rb|py)"|Synapse namespace|Micro Integrator 4\.4|freemarker/.test(m);
}

describe('compatibility corpus', () => {
  test('the README table lists all 167 files', () => {
    expect(files).toHaveLength(167);
  });

  test.each(files.map((f) => [f.path, f] as const))('%s', (_path, file) => {
    const errors = load(file);
    for (const error of errors) expect(explained(error, file), `${error.line}:${error.column} ${error.message}`).toBe(true);
    for (const flag of file.flagged.filter((f) => IGNORED_FLAGGED.has(f.name))) {
      expect(diagnostics(file).some((d) => d.severity === 'warning' && d.line === flag.line && d.message.includes(`<${flag.name}>`))).toBe(true);
    }
    for (const flag of file.flagged.filter((f) => f.name === 'class')) {
      for (const e of errors.filter((e) => CLASS_REFUSAL.test(e.message))) expect(e.line).toBe(flag.line);
    }
    for (const flag of file.flagged.filter((f) => !SUPPORTED_FLAGGED.has(f.name) && !IGNORED_FLAGGED.has(f.name) && f.name !== 'class')) {
      const named = errors.filter((e) => e.message.includes(`<${flag.name}>`));
      // A flagged element inside a refused proxy or template may be reported at its first use or not at all when
      // its whole artifact is refused first; when it is reported, its first report is at the table's line.
      if (named.length > 0) expect(Math.min(...named.map((e) => e.line))).toBe(flag.line);
      else expect(errors.length, `<${flag.name}> at line ${flag.line} is neither reported nor inside a refused artifact`).toBeGreaterThan(0);
    }
    const usesPending = file.elements.has('proxy');
    const refusedScript = errors.some((e) => /E4X|script language/.test(e.message));
    const refusedClass = errors.some((e) => CLASS_REFUSAL.test(e.message));
    if (file.flagged.every((f) => SUPPORTED_FLAGGED.has(f.name) || IGNORED_FLAGGED.has(f.name) || f.name === 'class') && !usesPending && !refusedClass && !refusedScript && !file.notes.includes('not in the Synapse namespace')) {
      expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([]);
    }
  });

  test('a file whose elements are in no namespace is refused at its root (line 20)', () => {
    const file = files.find((f) => f.path.endsWith('invalidIterateMessages.xml'))!;
    const errors = load(file);
    expect(errors[0]).toMatchObject({ line: 20 });
    expect(errors[0]!.message).toMatch(/not in the Synapse namespace/);
  });

  test('E4X scripts are refused when they load, naming script and E4X', () => {
    for (const name of ['synapse_sample_351.xml', 'synapse_sample_352.xml', 'synapse_sample_252.xml']) {
      const errors = load(files.find((f) => f.path.endsWith(`/${name}`))!);
      expect(errors.some((e) => /<script>.*E4X/.test(e.message)), name).toBe(true);
    }
  });

  test('Ruby and Python scripts are refused naming the language', () => {
    for (const [name, language] of [['synapse_sample_353.xml', 'rb'], ['synapse_sample_354.xml', 'rb'], ['synapse_sample_355.xml', 'py']] as const) {
      const errors = load(files.find((f) => f.path.endsWith(`/${name}`))!);
      expect(errors.some((e) => e.message.includes(`script language "${language}"`)), name).toBe(true);
    }
  });

  test('the twelve Apache samples expectations.md says must load do load', () => {
    for (const n of [0, 1, 2, 50, 800, 3, 4, 6, 12, 15, 17, 51]) {
      const file = files.find((f) => f.path === `apache-synapse-samples/synapse_sample_${n}.xml`)!;
      expect(load(file).map((e) => `${n}: ${e.line}:${e.column} ${e.message}`)).toEqual([]);
    }
  });

  test('all nine API Manager stock sequences load, json_fault with its analytics class as a no-op', () => {
    const apim = files.filter((f) => f.path.startsWith('apim-custom-sequences/'));
    expect(apim).toHaveLength(9);
    for (const file of apim) expect(load(file).map((e) => `${file.path}: ${e.message}`)).toEqual([]);
  });
});
