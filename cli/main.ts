import { Command, CommanderError } from 'commander';
import { registryCommand } from './commands/registry.js';
import { runCommand } from './commands/run.js';
import { convertCommand } from './commands/convert.js';
import { flowCommand } from './commands/flow.js';
import { sequenceCommand } from './commands/sequence.js';
import { serveCommand } from './commands/serve.js';
import { validateCommand } from './commands/validate.js';
import { EXIT } from './exit-codes.js';

/** How a command reports its exit code: returned from main() so that output is flushed before exit. */
export type ExitReporter = (code: number) => void;

export function buildProgram(report: ExitReporter): Command {
  const program = new Command('mediate')
    .description('Mediate: a Synapse-style API mediation gateway. Runs Apache Synapse / WSO2 sequences (XML or YAML).')
    .version('0.1.0');
  program.addCommand(serveCommand(report));
  program.addCommand(runCommand(report));
  program.addCommand(validateCommand(report));
  program.addCommand(convertCommand(report));
  program.addCommand(flowCommand(report));
  program.addCommand(registryCommand(report));
  program.addCommand(sequenceCommand(report));
  // Commands added with addCommand do not inherit these settings; every level needs them.
  const configure = (command: Command) => {
    command.exitOverride().showHelpAfterError('(add --help for usage)');
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    // --help and --version end with a CommanderError too, with exit code 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.INVALID_INPUT;
    process.stderr.write(`mediate: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.INTERNAL;
  }
}
