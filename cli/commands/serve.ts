import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { loadGatewayConfig } from '../../engine/config/gateway-config.js';
import { StreamLogger } from '../../engine/default-runtime.js';
import { JsonLogger } from '../../engine/observability/json-logger.js';
import { MediateError } from '../../engine/errors.js';
import { AdminApi } from '../../engine/gateway/admin-api.js';
import { GatewayCluster, isWorker, onShutdownRequest } from '../../engine/gateway/cluster.js';
import { Gateway } from '../../engine/gateway/gateway.js';
import type { Logger } from '../../engine/runtime.js';
import { builtinMediators } from '../../mediators/index.js';
import { EXIT } from '../exit-codes.js';
import type { ExitReporter } from '../main.js';

interface ServeOptions {
  config: string;
  port?: string;
  adminPort?: string;
  workers?: string;
  logFormat?: 'json' | 'text';
}

export function serveCommand(report: ExitReporter): Command {
  return new Command('serve')
    .description('serve the APIs of a config folder (gateway.yaml, apis/, sequences/, endpoints/, local-entries/)')
    .requiredOption('--config <dir>', 'the config folder')
    .option('--port <n>', 'HTTP port (default: gateway.yaml http.port, 8280; 0 picks a free port)')
    .option('--admin-port <n>', 'admin API port (default: gateway.yaml admin.port, 9164)')
    .option('--workers <n>', 'worker processes (default: gateway.yaml workers, else the number of CPUs)')
    .addOption(new Option('--log-format <format>', 'logs on standard error: JSON lines (pino) or plain text').choices(['json', 'text']).default('json'))
    .addHelpText(
      'after',
      `
Prints "listening <url>" and "admin API <url>" when ready. A crashed worker is restarted. SIGTERM or SIGINT
stops accepting, lets requests in flight finish, and exits.
Example:
  mediate serve --config examples/default --port 8280 --workers 2`,
    )
    .action(async (options: ServeOptions) => {
      const logger = options.logFormat === 'text' ? new StreamLogger(process.stderr) : new JsonLogger();
      try {
        report(await serve(options, logger));
      } catch (err) {
        if (!(err instanceof MediateError)) throw err;
        process.stderr.write(`${err.message}\n`);
        report(EXIT.INVALID_INPUT);
      }
    });
}

async function serve(options: ServeOptions, logger: Logger): Promise<number> {
  const port = options.port === undefined ? undefined : Number(options.port);
  const open = (watch: boolean) => Gateway.open({ configDir: options.config, mediators: builtinMediators(), logger, port, watch });
  if (isWorker()) {
    const gateway = await open(true);
    await gateway.listen();
    onShutdownRequest(() => gateway.close());
    return new Promise<number>(() => undefined);
  }
  const workers = Number(options.workers ?? loadGatewayConfig(options.config).workers ?? availableParallelism());
  const gateway = await open(true);
  const admin = new AdminApi(gateway);
  const adminUrl = await admin.listen(options.adminPort === undefined ? undefined : Number(options.adminPort));
  let stopWorkers = async () => undefined as void;
  if (workers === 1) {
    for (const url of await gateway.listen()) process.stdout.write(`listening ${url}\n`);
    process.stdout.write(`admin API ${adminUrl}\n`);
  } else {
    const host = gateway.config.http.host;
    const group = new GatewayCluster({
      workers,
      logger,
      onListening: (actual) => {
        process.stdout.write(`listening http://${host === '0.0.0.0' ? 'localhost' : host}:${actual} (${workers} workers)\n`);
        process.stdout.write(`admin API ${adminUrl}\n`);
      },
    });
    group.start();
    stopWorkers = () => group.stop();
  }
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      logger.log('info', 'stopping: finishing requests in flight');
      Promise.all([stopWorkers(), admin.close(), gateway.close()]).then(() => done(), done);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return EXIT.OK;
}
