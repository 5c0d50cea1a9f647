import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Agent, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AdminApi } from '../../../engine/gateway/admin-api.js';
import { Gateway } from '../../../engine/gateway/gateway.js';
import { builtinMediators } from '../../../mediators/index.js';
import { ROOT } from '../../support/cli.js';
import { MemoryLogger } from '../../support/runtime.js';

export const SYNAPSE_NS = 'xmlns="http://ws.apache.org/ns/synapse"';

/** A config folder in the temp directory holding `files` (path → text); removed by the returned cleanup. */
export function configFolder(files: Record<string, string>): { dir: string; write(path: string, text: string): void; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mediate-e2e-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: string;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

/** A backend on 127.0.0.1 that records what it receives; the default handler echoes the request as JSON. */
export class Backend {
  readonly requests: Recorded[] = [];
  /** Requests whose client closed the connection before the answer was written. */
  aborted = 0;
  /** Echoes the request as JSON: {method, url, body}. */
  static readonly echo: BackendHandler = (req, res, body) => {
    const text = JSON.stringify({ method: req.method, url: req.url, body });
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes' });
    res.end(text);
  };
  handler: BackendHandler = Backend.echo;

  reset(): void {
    this.handler = Backend.echo;
  }

  private constructor(private readonly server: Server) {}

  static async start(handler?: BackendHandler): Promise<Backend> {
    let backend!: Backend;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        backend.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
        res.on('close', () => {
          if (!res.writableFinished) backend.aborted++;
        });
        void backend.handler(req, res, body);
      });
    });
    backend = new Backend(server);
    if (handler) backend.handler = handler;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get last(): Recorded {
    return this.requests[this.requests.length - 1]!;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on (taken, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json<T = any>(): T;
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  readonly timeoutMs?: number;
  /** A keep-alive agent to reuse connections; by default each call has its own connection. */
  readonly agent?: Agent;
}

/** One HTTP exchange on a fresh connection (no keep-alive pool between tests). */
export function call(url: string, options: CallOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false, timeout: options.timeoutMs ?? 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in time`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A gateway in this process, on ephemeral loopback ports, with its admin API. */
export class InProcessGateway {
  private constructor(
    readonly gateway: Gateway,
    readonly admin: AdminApi,
    readonly url: string,
    readonly adminUrl: string,
    readonly logger: MemoryLogger,
  ) {}

  static async start(configDir: string, options: { watch?: boolean } = {}): Promise<InProcessGateway> {
    const logger = new MemoryLogger();
    const gateway = await Gateway.open({ configDir, mediators: builtinMediators(), logger, port: 0, host: '127.0.0.1', watch: options.watch ?? false });
    const [url] = await gateway.listen();
    const admin = new AdminApi(gateway);
    const adminUrl = await admin.listen(0, '127.0.0.1');
    return new InProcessGateway(gateway, admin, url!, adminUrl, logger);
  }

  async close(): Promise<void> {
    await this.admin.close();
    await this.gateway.close(2000);
  }
}

/** `mediate serve` as a child process; `url` and `adminUrl` come from the lines it prints when ready. */
export class ServeProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url = '';
  adminUrl = '';

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (c: Buffer) => (this.stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(configDir: string, options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<ServeProcess> {
    const args = [join(ROOT, 'cli/bin.mjs'), 'serve', '--config', configDir, '--port', '0', '--admin-port', '0', '--workers', '1', ...(options.args ?? [])];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const serve = new ServeProcess(child);
    await serve.waitFor(() => /admin API (\S+)/.test(serve.stdout), 15_000);
    serve.url = /listening (\S+)/.exec(serve.stdout)![1]!;
    serve.adminUrl = /admin API (\S+)/.exec(serve.stdout)![1]!;
    return serve;
  }

  /** Resolves when `done()` holds; rejects (with the output so far) if the process exits or time runs out. */
  async waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!done()) {
      if (exited) throw new Error(`mediate serve exited early:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for mediate serve:\n${this.stdout}\n${this.stderr}`);
      await sleep(25);
    }
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 3000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await sleep(50);
  }
}
