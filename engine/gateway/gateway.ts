import { watch, type FSWatcher } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { orderApis, type Api } from '../api/api.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadGatewayConfig, type GatewayConfig, type GatewayLimits } from '../config/gateway-config.js';
import { createRuntime } from '../default-runtime.js';
import { HttpClient } from '../endpoint/http-client.js';
import { MediateError } from '../errors.js';
import { ARTIFACT_FOLDERS, ConfigLoader } from '../loader/loader.js';
import type { Configuration } from '../loader/configuration.js';
import type { MediatorRegistry } from '../mediator.js';
import type { PayloadLimits } from '../message/payload.js';
import type { Logger, Runtime } from '../runtime.js';
import { openRegistry } from '../../registry/open.js';
import type { Registry } from '../../registry/registry.js';
import { trackRequest } from '../observability/access-log.js';
import { FlowCache } from './flow-store.js';
import { loadPlugins } from './plugins.js';
import { TraceSwitch } from './trace-switch.js';
import { handleRequest, type GatewayState } from './request-handler.js';

export interface GatewayOptions {
  readonly configDir: string;
  readonly mediators: MediatorRegistry;
  readonly logger: Logger;
  /** Overrides of gateway.yaml (the serve command's --port and --admin-port). */
  readonly port?: number;
  readonly host?: string;
  /** Watch the config folder and reload changed files (hot deploy). */
  readonly watch?: boolean;
}

/**
 * One gateway process: the config folder's APIs, sequences, endpoints and local entries, the registry, the
 * backend client, and the HTTP(S) listeners. A reload swaps the whole configuration at once, so a request
 * runs entirely against the configuration it started with.
 */
export class Gateway implements GatewayState {
  readonly flows: FlowCache;
  readonly traces = new TraceSwitch();
  private configuration!: Configuration;
  private apiList: Api[] = [];
  private currentRuntime!: Runtime;
  private servers: Server[] = [];
  private watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Responses not yet finished, and whether close() has begun: see close(). */
  private readonly responses = new Set<import('node:http').ServerResponse>();
  private stopping = false;

  private constructor(
    readonly options: GatewayOptions,
    readonly config: GatewayConfig,
    readonly registry: Registry,
    readonly http: HttpClient,
  ) {
    this.flows = new FlowCache(options.mediators);
  }

  /** Loads the config folder and opens the registry; throws a MediateError (ConfigError) on any error. */
  static async open(options: GatewayOptions): Promise<Gateway> {
    const config = loadGatewayConfig(options.configDir);
    await loadPlugins(config, options.mediators);
    const registry = await openRegistry(config.registry, options.logger);
    if (config.registry.governance.redirectTo) options.logger.log('info', 'registry: gov: keys are redirected to local: (registry.governance.redirectTo)');
    const gateway = new Gateway(options, config, registry, new HttpClient(config.backends));
    const result = gateway.load();
    if (result) {
      await gateway.close();
      throw new MediateError('MEDIATE_CONFIG_INVALID', result);
    }
    return gateway;
  }

  get apis(): readonly Api[] {
    return this.apiList;
  }

  get runtime(): Runtime {
    return this.currentRuntime;
  }

  get maxBodyBytes(): number {
    return this.config.limits.maxBodyBytes;
  }

  get limits(): GatewayLimits {
    return this.config.limits;
  }

  get artifacts(): Configuration {
    return this.configuration;
  }

  /** Loads the config folder; on errors returns them (formatted) and keeps what was loaded before. */
  load(): string | undefined {
    const loader = new ConfigLoader(this.options.mediators);
    const { configuration, diagnostics } = loader.loadFolder(this.config.dir);
    for (const d of diagnostics.warnings) this.options.logger.log('warn', formatDiagnostic(d));
    if (diagnostics.errors.length > 0) return diagnostics.errors.map(formatDiagnostic).join('\n');
    this.configuration = configuration;
    this.apiList = orderApis([...configuration.apis.values()].map((a) => a.value));
    this.currentRuntime = createRuntime({ artifacts: configuration, registry: this.registry, http: this.http, logger: this.options.logger, payloadLimits: payloadLimits(this.config.limits) });
    return undefined;
  }

  /** Starts the HTTP (and, with a certificate, HTTPS) listener; resolves with the URLs. */
  async listen(): Promise<string[]> {
    const host = this.options.host ?? this.config.http.host;
    const limits = this.config.limits;
    const serverOptions = {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // node:http looks for timed-out clients every 30 s by default, so a slow client would hold its socket up to
      // 30 s past its timeout; a check every second costs little and keeps the timeouts what they say.
      connectionsCheckingInterval: 1000,
    };
    // Node drops the headers past maxHeadersCount without a word; one more than allowed lets the handler see
    // that there were too many and refuse the request (431) rather than serve it without them.
    const bounded = <S extends Server>(server: S): S => Object.assign(server, { maxHeadersCount: limits.maxHeaderCount + 1 });
    const handler = (protocol: 'http' | 'https') => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      this.inFlight++;
      this.responses.add(res);
      if (this.stopping) res.setHeader('Connection', 'close');
      res.on('close', () => {
        this.inFlight--;
        this.responses.delete(res);
      });
      trackRequest(req, res, this.options.logger);
      handleRequest(req, res, this, protocol).catch((err: Error) => {
        this.options.logger.log('error', `request failed: ${err.message}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: '500', type: 'Status report', message: 'Internal Server Error', description: 'The gateway failed to process the request.' }));
        } else res.destroy();
      });
    };
    const urls: string[] = [];
    const http = bounded(createServer(serverOptions, handler('http')));
    urls.push(await start(http, this.options.port ?? this.config.http.port, host, 'http'));
    this.servers.push(http);
    if (this.config.https) {
      const https = bounded(createHttpsServer({ ...serverOptions, cert: readFileSync(this.config.https.cert), key: readFileSync(this.config.https.key) }, handler('https')));
      urls.push(await start(https, this.config.https.port, host, 'https'));
      this.servers.push(https);
    }
    if (this.options.watch) this.watch();
    return urls;
  }

  /** Hot deploy: a change in the config folder reloads it; a broken file is reported and the old configuration stays. */
  private watch(): void {
    for (const folder of ARTIFACT_FOLDERS) {
      const path = join(this.config.dir, folder);
      if (!existsSync(path)) continue;
      this.watchers.push(
        watch(path, { recursive: true }, () => {
          clearTimeout(this.reloadTimer);
          this.reloadTimer = setTimeout(() => {
            const errors = this.load();
            if (errors) this.options.logger.log('error', `configuration not reloaded, the previous one keeps serving:\n${errors}`);
            else this.options.logger.log('info', `configuration reloaded: ${this.apiList.length} APIs`);
          }, 150);
        }),
      );
    }
  }

  /**
   * Graceful stop: stop accepting, let requests in flight finish (at most `graceMs`), then close the backend
   * pools and the registry.
   */
  async close(graceMs = 10_000): Promise<void> {
    clearTimeout(this.reloadTimer);
    for (const w of this.watchers.splice(0)) w.close();
    // server.close() only drops connections idle at that moment: a keep-alive client whose request is in flight
    // would keep its connection, and the process, up until the grace period ends. Its answer closes it instead.
    this.stopping = true;
    for (const res of this.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((s) => new Promise<void>((done) => {
      s.close(() => done());
      s.closeIdleConnections();
    })).map((p) => Promise.race([p, delay(graceMs)])));
    for (const s of servers) s.closeAllConnections();
    await this.http.close();
    await this.registry.close();
  }

  get activeRequests(): number {
    return this.inFlight;
  }
}

function payloadLimits(limits: GatewayLimits): PayloadLimits {
  return {
    maxDepth: limits.maxXmlDepth,
    maxElements: limits.maxXmlElements,
    maxAttributes: limits.maxXmlAttributes,
    maxJsonDepth: limits.maxJsonDepth,
    maxJsonValues: limits.maxJsonValues,
  };
}

function start(server: Server, port: number, host: string, protocol: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolvePromise(`${protocol}://${host === '0.0.0.0' ? 'localhost' : host}:${actual}`);
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
