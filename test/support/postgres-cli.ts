/**
 * The throwaway test server from the shell (.ci/run):
 *
 *   tsx test/support/postgres-cli.ts installed      exit 0 when initdb and pg_ctl are found, else 1
 *   tsx test/support/postgres-cli.ts start          creates and starts a server; prints "DIR URL"
 *   tsx test/support/postgres-cli.ts stop DIR       stops it and deletes DIR
 */
import { postgresBinDir, startPostgres, stopPostgres } from './postgres-server.js';

const [command, dir] = process.argv.slice(2);
try {
  if (command === 'installed') process.exitCode = postgresBinDir() ? 0 : 1;
  else if (command === 'start') {
    const server = await startPostgres();
    process.stdout.write(`${server.dir} ${server.url}\n`);
  } else if (command === 'stop' && dir) await stopPostgres(dir);
  else {
    process.stderr.write('usage: postgres-cli.ts installed | start | stop DIR\n');
    process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
