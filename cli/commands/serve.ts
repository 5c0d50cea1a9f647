import { Command } from 'commander';
import { StreamLogger } from '../../engine/default-runtime.js';
import { MediateError } from '../../engine/errors.js';
import { AdminApi } from '../../engine/gateway/admin-api.js';
import { Gateway } from '../../engine/gateway/gateway.js';
import { builtinMediators } from '../../mediators/index.js';
import { EXIT } from '../exit-codes.js';
import type { ExitReporter } from '../main.js';

interface ServeOptions {
  config: string;
  port?: string;
  adminPort?: string;
  workers?: string;
}

export function serveCommand(report: ExitReporter): Command {
  return new Command('serve')
    .description('serve the APIs of a config folder (gateway.yaml, apis/, sequences/, endpoints/, local-entries/)')
    .requiredOption('--config <dir>', 'the config folder')
    .option('--port <n>', 'HTTP port (default: gateway.yaml http.port, 8280)')
    .option('--admin-port <n>', 'admin API port (default: gateway.yaml admin.port, 9164)')
    .option('--workers <n>', 'worker processes (default: gateway.yaml workers, else the number of CPUs)')
    .addHelpText(
      'after',
      `
Prints "listening <url>" when ready. SIGTERM or SIGINT stops accepting, lets requests in flight finish, and exits.
Example:
  mediate serve --config examples/default --port 8280`,
    )
    .action(async (options: ServeOptions) => {
      const logger = new StreamLogger(process.stderr);
      let gateway: Gateway;
      try {
        gateway = await Gateway.open({ configDir: options.config, mediators: builtinMediators(), logger, port: options.port ? Number(options.port) : undefined, watch: true });
      } catch (err) {
        if (!(err instanceof MediateError)) throw err;
        process.stderr.write(`${err.message}\n`);
        report(EXIT.INVALID_INPUT);
        return;
      }
      const urls = await gateway.listen();
      const admin = new AdminApi(gateway);
      const adminUrl = await admin.listen(options.adminPort ? Number(options.adminPort) : undefined);
      for (const url of urls) process.stdout.write(`listening ${url}\n`);
      process.stdout.write(`admin API ${adminUrl}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          logger.log('info', 'stopping: finishing requests in flight');
          Promise.all([admin.close(), gateway.close()]).then(() => done(), done);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      report(EXIT.OK);
    });
}
