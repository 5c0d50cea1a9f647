import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { rescope } from '../../registry/rescope.js';
import { EXIT } from '../exit-codes.js';
import type { ExitReporter } from '../main.js';
import { readInput } from '../read-input.js';

export function sequenceCommand(report: ExitReporter): Command {
  const command = new Command('sequence').description('work on sequence files');
  command.addCommand(
    new Command('rescope')
      .description('rewrite a sequence\'s registry keys between gov: and local: (for a regional gateway)')
      .argument('<file>', 'sequence file (.xml or .yaml)')
      .addOption(new Option('--to <scope>', 'the scope to move keys to').choices(['local', 'gov']).makeOptionMandatory())
      .option('-o, --output <file>', 'write the result here (default: standard output)')
      .addHelpText(
        'after',
        `
Each change is reported on standard error as file:line:col: FROM -> TO.
Example:
  mediate sequence rescope sequences/oauth2-token-gov.xml --to local -o oauth2-token-regional.xml`,
      )
      .action((file: string, options: { to: 'local' | 'gov'; output?: string }) => {
        const text = readInput(file);
        if (text === undefined) return report(EXIT.INVALID_INPUT);
        const result = rescope(text, options.to);
        for (const c of result.changes) process.stderr.write(`${file}:${c.line}:${c.column}: ${c.from} -> ${c.to}\n`);
        if (result.changes.length === 0) process.stderr.write(`${file}: no registry key to move to ${options.to}:\n`);
        if (options.output) writeFileSync(options.output, result.text);
        else process.stdout.write(result.text);
        report(EXIT.OK);
      }),
  );
  return command;
}
