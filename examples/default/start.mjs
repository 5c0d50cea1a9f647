// `npm start`: the default example in one step. Starts the demo backend and its token endpoint, seeds the two
// registry resources the article's sequence reads, uploads that sequence as the PizzaShack API's in-flow, and
// serves the API on http://localhost:8280.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoBackend } from './demo-backend.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const mediate = join(root, 'cli/bin.mjs');
process.env.MEDIATE_ADMIN_PASSWORD ??= 'admin-demo';
const run = (...args) => {
  const r = spawnSync(process.execPath, [mediate, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const demo = await startDemoBackend({ log: (line) => console.log(`[demo] ${line}`) });
console.log('[demo] token endpoint on http://127.0.0.1:9443/token, PizzaShack backend on http://127.0.0.1:9080');

const keys = 'gov:/api-backend-credentials/PizzaShackAPI';
run('registry', 'put', `${keys}/access_Token`, '', '--config', here);
run('registry', 'put', `${keys}/generated_Time`, '0', '--config', here);
run('flow', 'upload', '--api', 'PizzaShackAPI', '--flow', 'in', join(root, 'sequences/oauth2-token-gov.xml'), '--config', here);

const gateway = spawn(process.execPath, [mediate, 'serve', '--config', here], { stdio: ['ignore', 'pipe', 'inherit'] });
gateway.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes('listening')) {
    console.log('\nTry:  curl http://localhost:8280/pizzashack/1.0.0/menu');
    console.log('Every call is authorised with the same backend token: the log shows one token request. Ctrl-C stops.\n');
  }
});
const stop = () => gateway.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
gateway.on('exit', async (code) => {
  await demo.close();
  process.exit(code ?? 0);
});
