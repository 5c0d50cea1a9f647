// The @fastify/http-proxy comparison target, run as its own process:
//   node bench/lib/fastify-proxy.mjs --port P --upstream http://127.0.0.1:B --workers N
// Every path is forwarded unchanged to the upstream (undici keep-alive pool, the plugin's defaults). With more
// than one worker it forks them with node:cluster and they share the port, as `mediate serve --workers N` does.
// Prints "listening <url>" when every worker listens.
import cluster from 'node:cluster';
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', 0));
const upstream = arg('upstream');
const workers = Number(arg('workers', 1));

async function serve() {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  await app.register(proxy, { upstream, prefix: '/' });
  await app.listen({ port, host: '127.0.0.1' });
  const stop = () => app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return app.server.address().port;
}

if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', (_w, address) => {
    if (++listening === workers) process.stdout.write(`listening http://127.0.0.1:${address.port} (${workers} workers)\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const actual = await serve();
  if (workers <= 1) process.stdout.write(`listening http://127.0.0.1:${actual}\n`);
}
