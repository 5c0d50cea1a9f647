import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS = join(import.meta.dirname, '../../../shared/corpus');

export interface CorpusFile {
  /** Path relative to the corpus folder. */
  readonly path: string;
  /** Synapse element name → count, from the README's per-file table. */
  readonly elements: ReadonlyMap<string, number>;
  /** Flagged elements with the line of their first use. */
  readonly flagged: ReadonlyArray<{ readonly name: string; readonly line: number }>;
  readonly artifacts: string;
  readonly notes: string;
}

/** Reads the corpus README's generated per-file tables, which say what each file contains and where. */
export function corpusFiles(): CorpusFile[] {
  const readme = readFileSync(join(CORPUS, 'README.md'), 'utf8');
  const files: CorpusFile[] = [];
  let folder = '';
  for (const line of readme.split('\n')) {
    const heading = /^### ([\w-]+) \(\d+ files/.exec(line);
    if (heading) folder = heading[1]!;
    const row = /^\| `([^`]+\.xml)` \|(.*)\|(.*)\|(.*)\|(.*)\|\s*$/.exec(line);
    if (!row || !folder) continue;
    const elements = new Map<string, number>();
    for (const m of row[3]!.matchAll(/([\w-]+)×(\d+)/g)) elements.set(m[1]!, Number(m[2]));
    const flagged = [...row[4]!.matchAll(/([\w-]+)(?: \([^)]+\))? \(L(\d+)\)/g)].map((m) => ({ name: m[1]!, line: Number(m[2]) }));
    files.push({ path: `${folder}/${row[1]}`, elements, flagged, artifacts: row[2]!.trim(), notes: row[5]!.trim() });
  }
  return files;
}
