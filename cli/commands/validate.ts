import { Command } from 'commander';
import { formatDiagnostic } from '../../engine/config/diagnostics.js';
import { EXIT } from '../exit-codes.js';
import type { ExitReporter } from '../main.js';
import { isConfigFolder, loadConfigPaths } from '../load.js';
import { mediatorsFor } from '../mediators.js';

export function validateCommand(report: ExitReporter): Command {
  return new Command('validate')
    .description('check sequence files (XML or YAML) and print every problem as file:line:col: message')
    .argument('<paths...>', 'files, folders of files, or config folders (with sequences/, local-entries/)')
    .addHelpText(
      'after',
      `
Exit status: 0 when there is no error (warnings do not count), 2 when there is at least one.
Examples:
  mediate validate sequences/oauth2-token-gov.xml
  mediate validate examples/default`,
    )
    .action(async (paths: string[]) => {
      // A config folder's gateway.yaml may name mediator plug-ins its sequences use.
      const mediators = await mediatorsFor(paths.find(isConfigFolder));
      const { diagnostics } = loadConfigPaths(mediators, paths);
      for (const d of diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
      report(diagnostics.errors.length > 0 ? EXIT.INVALID_INPUT : EXIT.OK);
    });
}
