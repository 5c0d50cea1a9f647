import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { mediate } from '../support/cli.js';

/**
 * Golden tests: each `cases/<name>.case.json` names a sequence file, the `mediate run` arguments and the JSON
 * that must come out, compared whole. They run the real command, as a child process.
 */
interface GoldenCase {
  sequence: string;
  args?: string[];
  stdin?: string;
  exitCode: number;
  expected: Record<string, unknown>;
}

const dir = join(import.meta.dirname, 'cases');
const cases = readdirSync(dir).filter((f) => f.endsWith('.case.json')).sort();

describe('mediate run golden outputs', () => {
  test.each(cases)('%s', (name) => {
    const c = JSON.parse(readFileSync(join(dir, name), 'utf8')) as GoldenCase;
    const result = mediate(['run', c.sequence, ...(c.args ?? [])], { input: c.stdin, cwd: dir });
    expect(result.stderr.split('\n').filter((l) => /^\S+:\d+:\d+: (?!warning:)/.test(l))).toEqual([]);
    expect(result.code).toBe(c.exitCode);
    expect(JSON.parse(result.stdout)).toEqual(c.expected);
  });
});
