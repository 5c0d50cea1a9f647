import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { formatDiagnostic } from '../../engine/config/diagnostics.js';
import { loadGatewayConfig } from '../../engine/config/gateway-config.js';
import { MediateError } from '../../engine/errors.js';
import { compileFlow, flowKey, FLOWS, type FlowName } from '../../engine/gateway/flow-store.js';
import { ConfigLoader } from '../../engine/loader/loader.js';
import { builtinMediators } from '../../mediators/index.js';
import { openRegistry } from '../../registry/open.js';
import { EXIT } from '../exit-codes.js';
import { mediatorsFor } from '../mediators.js';
import { AdminClient } from '../admin-client.js';
import type { ExitReporter } from '../main.js';
import { readInput } from '../read-input.js';

interface Target {
  config?: string;
  gateway?: string;
  user?: string;
  password?: string;
}

const NOT_FOUND = 4;

function targetOptions(command: Command): Command {
  return command
    .option('--config <dir>', 'config folder: store in its registry directly (the gateway picks it up on the next request)')
    .addOption(new Option('--gateway <url>', 'a running gateway\'s admin API, e.g. http://127.0.0.1:9164').conflicts('config'))
    .option('--user <user>', 'admin user (default: $MEDIATE_ADMIN_USER or admin)')
    .option('--password <password>', 'admin password (default: $MEDIATE_ADMIN_PASSWORD)');
}

/**
 * The registry key of an API's flow in a config folder. It is built from the API's own name and version, as the
 * gateway builds it, so that `--api Name:vX` (the run-time name) lands where the gateway looks.
 */
function apiFlowKey(config: string, api: string, flow: FlowName): string {
  const { configuration } = new ConfigLoader(builtinMediators()).loadFolder(config);
  const found = [...configuration.apis.values()].map((a) => a.value).find((a) => a.name === api || a.runtimeName === api);
  if (!found) throw new MediateError('MEDIATE_NO_SUCH_API', `no API named "${api}" in ${config}`);
  return flowKey(found.name, found.version, flow);
}

export function flowCommand(report: ExitReporter): Command {
  const command = new Command('flow').description("manage an API's in, out and fault flows (uploaded sequences)").addHelpText(
    'after',
    `
Exit status: 0 done, 2 invalid sequence or input (file:line:col: message), 4 no such flow or API.
Examples:
  mediate flow upload --api PizzaShackAPI --flow in sequences/oauth2-token-gov.xml --config examples/default
  mediate flow ls --config examples/default
  mediate flow get --api PizzaShackAPI --flow in --gateway http://127.0.0.1:9164`,
  );
  const withErrors = (action: (...args: any[]) => Promise<number>) => async (...args: unknown[]) => {
    try {
      report(await action(...args));
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      process.stderr.write(`mediate flow: ${err.message}\n`);
      report(err.code === 'MEDIATE_NO_SUCH_API' || err.code === 'MEDIATE_NOT_FOUND' ? NOT_FOUND : EXIT.INVALID_INPUT);
    }
  };
  const flowOption = () => new Option('--flow <flow>', 'which flow').choices([...FLOWS]).makeOptionMandatory();

  command.addCommand(
    targetOptions(new Command('upload').description('validate a sequence and store it as the flow of an API'))
      .requiredOption('--api <name>', 'the API (its name, as in apis/)')
      .addOption(flowOption())
      .argument('<file>', 'the sequence (.xml or .yaml)')
      .action(
        withErrors(async (file: string, options: Target & { api: string; flow: FlowName }) => {
          const text = readInput(file);
          if (text === undefined) return EXIT.INVALID_INPUT;
          const result = compileFlow(text, file, await mediatorsFor(options.config), { sequence: () => undefined, localEntry: () => undefined, endpoint: () => undefined });
          for (const d of result.diagnostics.items) if (d.severity === 'error') process.stderr.write(`${formatDiagnostic(d)}\n`);
          if (!result.sequence) return EXIT.INVALID_INPUT;
          const mediaType = /\.ya?ml$/i.test(extname(file)) ? 'application/yaml' : 'application/xml';
          if (options.gateway) {
            await AdminClient.from(options).put(`/apis/${encodeURIComponent(options.api)}/flows/${options.flow}`, text, mediaType);
          } else {
            const config = options.config ?? '.';
            const registry = await openRegistry(loadGatewayConfig(config, { references: 'optional' }).registry);
            try {
              await registry.put(apiFlowKey(config, options.api, options.flow), Buffer.from(text, 'utf8'), mediaType);
            } finally {
              await registry.close();
            }
          }
          process.stderr.write(`uploaded ${file} as the ${options.flow} flow of ${options.api}\n`);
          return EXIT.OK;
        }),
      ),
  );

  command.addCommand(
    targetOptions(new Command('get').description('print the uploaded flow of an API'))
      .requiredOption('--api <name>', 'the API')
      .addOption(flowOption())
      .action(
        withErrors(async (options: Target & { api: string; flow: FlowName }) => {
          let text: string | undefined;
          if (options.gateway) text = await AdminClient.from(options).get(`/apis/${encodeURIComponent(options.api)}/flows/${options.flow}`);
          else {
            const config = options.config ?? '.';
            const registry = await openRegistry(loadGatewayConfig(config, { references: 'optional' }).registry);
            try {
              text = (await registry.get(apiFlowKey(config, options.api, options.flow)))?.content.toString('utf8');
            } finally {
              await registry.close();
            }
          }
          if (text === undefined) throw new MediateError('MEDIATE_NOT_FOUND', `${options.api} has no uploaded ${options.flow} flow`);
          process.stdout.write(text);
          return EXIT.OK;
        }),
      ),
  );

  command.addCommand(
    targetOptions(new Command('rm').description('remove the uploaded flow of an API (the API falls back to its configured flow)'))
      .requiredOption('--api <name>', 'the API')
      .addOption(flowOption())
      .action(
        withErrors(async (options: Target & { api: string; flow: FlowName }) => {
          if (options.gateway) await AdminClient.from(options).delete(`/apis/${encodeURIComponent(options.api)}/flows/${options.flow}`);
          else {
            const config = options.config ?? '.';
            const registry = await openRegistry(loadGatewayConfig(config, { references: 'optional' }).registry);
            try {
              if (!(await registry.remove(apiFlowKey(config, options.api, options.flow)))) {
                throw new MediateError('MEDIATE_NOT_FOUND', `${options.api} has no uploaded ${options.flow} flow`);
              }
            } finally {
              await registry.close();
            }
          }
          return EXIT.OK;
        }),
      ),
  );

  command.addCommand(
    targetOptions(new Command('ls').description('list the APIs and which flows are uploaded')).action(
      withErrors(async (options: Target) => {
        let rows: Array<{ name: string; version?: string; flows: Record<string, boolean> }>;
        if (options.gateway) rows = JSON.parse(await AdminClient.from(options).get('/apis')) as typeof rows;
        else {
          const config = options.config ?? '.';
          const { configuration } = new ConfigLoader(builtinMediators()).loadFolder(config);
          const registry = await openRegistry(loadGatewayConfig(config, { references: 'optional' }).registry);
          try {
            rows = [...configuration.apis.values()].map(({ value: api }) => ({
              name: api.name,
              version: api.version,
              flows: Object.fromEntries(FLOWS.map((f) => [f, registry.readText(flowKey(api.name, api.version, f)) !== null])),
            }));
          } finally {
            await registry.close();
          }
        }
        for (const r of rows) {
          const uploaded = FLOWS.filter((f) => r.flows[f]);
          process.stdout.write(`${r.name}${r.version ? ` ${r.version}` : ''}\t${uploaded.length ? uploaded.join(',') : '-'}\n`);
        }
        return EXIT.OK;
      }),
    ),
  );
  return command;
}
