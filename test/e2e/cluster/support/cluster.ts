import { Agent } from 'node:http';
import { basic, call, configFolder, ServeProcess, type Answer } from '../../support/harness.js';

export const ADMIN_PASSWORD = 'cluster-admin-7c41';
export const ADMIN = { authorization: basic('admin', ADMIN_PASSWORD) };

/** What every node's gateway.yaml says: the governance registry in PostgreSQL, the rest on the node. */
const GATEWAY_YAML = `
http: { host: 127.0.0.1 }
admin: { host: 127.0.0.1, user: admin, password: "\${env:MEDIATE_ADMIN_PASSWORD}" }
workers: 1
registry:
  governance: { store: postgres, url: "\${env:MEDIATE_PG_URL}" }
`;

/** One `mediate serve` process of the cluster, in a config folder of its own (its local registry is its own). */
export class ClusterNode {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly name: string,
    readonly serve: ServeProcess,
    private readonly removeFolder: () => void,
  ) {}

  get url(): string {
    return this.serve.url;
  }

  get adminUrl(): string {
    return this.serve.adminUrl;
  }

  get alive(): boolean {
    return this.serve.child.exitCode === null && this.serve.child.signalCode === null;
  }

  get(path: string): Promise<Answer> {
    return call(`${this.url}${path}`, { agent: this.agent, timeoutMs: 10_000 });
  }

  admin(method: string, path: string, body?: string, contentType = 'text/plain'): Promise<Answer> {
    return call(`${this.adminUrl}${path}`, { method, body, headers: { ...ADMIN, 'content-type': contentType } });
  }

  async health(): Promise<{ status: string; registry: { status: string; reason?: string } }> {
    return (await call(`${this.adminUrl}/health`)).json();
  }

  /** kill -9: no graceful stop, connections and transactions cut where they are. */
  async kill(): Promise<void> {
    this.serve.child.kill('SIGKILL');
    await this.serve.exited;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await this.serve.stop();
    this.removeFolder();
  }
}

/**
 * Starts `count` gateway processes on ephemeral ports, all serving `files` (apis/, sequences/, ...) with the
 * governance registry at `pgUrl`. If one fails to start, the others are stopped before the error is thrown.
 */
export async function startCluster(options: { pgUrl: string; files: Record<string, string>; count: number; env?: NodeJS.ProcessEnv }): Promise<ClusterNode[]> {
  const names = ['A', 'B', 'C', 'D', 'E'].slice(0, options.count);
  const env = { ...options.env, MEDIATE_PG_URL: options.pgUrl, MEDIATE_ADMIN_PASSWORD: ADMIN_PASSWORD };
  const started = await Promise.allSettled(
    names.map(async (name) => {
      const folder = configFolder({ 'gateway.yaml': GATEWAY_YAML, ...options.files });
      try {
        return new ClusterNode(name, await ServeProcess.start(folder.dir, { env }), folder.remove);
      } catch (err) {
        folder.remove();
        throw err;
      }
    }),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll(nodes);
    throw failed.reason;
  }
  return nodes;
}

/** Stops every node still running (killing what does not stop) and removes their folders. */
export async function stopAll(nodes: readonly ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

export interface LoadResult {
  readonly node: string;
  readonly status: number;
  readonly error?: string;
}

/**
 * Sends GET `path` round-robin to `nodes` from `concurrency` loops until `until()` holds, and records every
 * answer (or failure) with the node it went to. Nodes already dead are left out.
 */
export async function load(nodes: readonly ClusterNode[], path: string, concurrency: number, until: () => boolean): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  let turn = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!until()) {
        const alive = nodes.filter((n) => n.alive);
        if (alive.length === 0) break;
        const node = alive[turn++ % alive.length]!;
        try {
          const answer = await node.get(path);
          results.push({ node: node.name, status: answer.status, ...(answer.status === 200 ? {} : { error: answer.body }) });
        } catch (err) {
          results.push({ node: node.name, status: 0, error: (err as Error).message });
        }
      }
    }),
  );
  return results;
}
