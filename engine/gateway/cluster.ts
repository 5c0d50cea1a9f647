import cluster, { type Worker } from 'node:cluster';
import { workerRestarts } from '../observability/metrics.js';
import type { Logger } from '../runtime.js';

export interface ClusterOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** Called once, when every worker listens: with the address the workers share. */
  readonly onListening: (port: number) => void;
}

const RESTART_DELAY_MS = 500;

/**
 * A young generation of 32 MiB per semi-space for workers (V8's default is 16 on 64-bit): a gateway allocates
 * per request objects that live for the length of a backend call, and with the default many of them survive a
 * scavenge and are promoted, which costs old-generation collections. Measured: +15 % pass-through req/s
 * (docs/performance.md). A value the user gave on the command line or in NODE_OPTIONS is kept.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=32';

export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
  return given ? [...execArgv] : [...execArgv, YOUNG_GENERATION_FLAG];
}
const STOP_GRACE_MS = 15_000;

/**
 * The primary process of `mediate serve --workers N`: forks the workers (which share the listening socket
 * through node:cluster), restarts one that dies, and on stop asks each to finish its requests and exit.
 */
export class GatewayCluster {
  private stopping = false;
  private listening = 0;
  private announced = false;

  constructor(private readonly options: ClusterOptions) {}

  start(): void {
    cluster.on('listening', (_worker, address) => {
      if (++this.listening >= this.options.workers && !this.announced) {
        this.announced = true;
        this.options.onListening(address.port);
      }
    });
    cluster.on('exit', (worker, code, signal) => {
      if (this.stopping) return;
      this.options.logger.log('error', `worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another`);
      workerRestarts.inc();
      setTimeout(() => this.fork(), RESTART_DELAY_MS);
    });
    for (let i = 0; i < this.options.workers; i++) this.fork();
  }

  get workerPids(): number[] {
    return Object.values(cluster.workers ?? {}).flatMap((w) => (w?.process.pid ? [w.process.pid] : []));
  }

  private fork(): Worker {
    cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
    return cluster.fork();
  }

  /** Asks every worker to stop gracefully; resolves when all have exited (or the grace period ends). */
  async stop(): Promise<void> {
    this.stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              w.process.kill('SIGKILL');
              done();
            }, STOP_GRACE_MS);
            w.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            w.send('shutdown');
          }),
      ),
    );
  }
}

/**
 * In a worker: stop gracefully when the primary asks, or on a signal (Ctrl-C reaches every process of the
 * group, and a worker must finish its requests rather than die at once).
 */
export function onShutdownRequest(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop().finally(() => process.exit(0));
  };
  process.on('message', (message) => message === 'shutdown' && shutdown());
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

export const isWorker = (): boolean => cluster.isWorker;
