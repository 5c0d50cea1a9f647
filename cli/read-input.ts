import { readFileSync } from 'node:fs';

/** A command's input file, or undefined after printing `file:1:1: cannot read the file: CODE` to stderr. */
export function readInput(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`${file}:1:1: cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return undefined;
  }
}
