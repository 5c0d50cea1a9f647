import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { xmlToYaml, yamlToXml } from '../../engine/config/convert.js';
import { ConfigError, formatDiagnostic } from '../../engine/config/diagnostics.js';
import { EXIT } from '../exit-codes.js';
import type { ExitReporter } from '../main.js';
import { readInput } from '../read-input.js';

export function convertCommand(report: ExitReporter): Command {
  return new Command('convert')
    .description('convert a configuration between Synapse XML and Mediate YAML, element for element')
    .argument('<file>', 'an .xml or .yaml file')
    .addOption(new Option('--to <format>', 'the format to write').choices(['yaml', 'xml']).makeOptionMandatory())
    .option('-o, --output <file>', 'write here (default: standard output)')
    .addHelpText(
      'after',
      `
Elements, attributes, namespace declarations and text are all kept; XML comments and layout are not.
Examples:
  mediate convert sequences/oauth2-token-gov.xml --to yaml
  mediate convert examples/sequences/hello.yaml --to xml -o hello.xml`,
    )
    .action((file: string, options: { to: 'yaml' | 'xml'; output?: string }) => {
      const text = readInput(file);
      if (text === undefined) return report(EXIT.INVALID_INPUT);
      const isYaml = /^\.ya?ml$/i.test(extname(file));
      try {
        const out = options.to === 'yaml' ? (isYaml ? text : xmlToYaml(text, file)) : isYaml ? yamlToXml(text, file) : text;
        if (options.output) writeFileSync(options.output, out);
        else process.stdout.write(out);
        report(EXIT.OK);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
        report(EXIT.INVALID_INPUT);
      }
    });
}
