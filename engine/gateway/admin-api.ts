import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatDiagnostic } from '../config/diagnostics.js';
import { MediateError } from '../errors.js';
import { purgeTokens, tokenMetadata, TOKENS_PATH } from '../endpoint/oauth/purge.js';
import { isSecretPath, MASK, redactRecord } from '../redact.js';
import { metricsText } from '../observability/metrics.js';
import { MAX_TRACE_SECONDS, MAX_TRACED_REQUESTS, traceKey, traceOrder } from './trace-switch.js';
import { compileFlow, flowKey, FLOWS, type FlowName } from './flow-store.js';
import { jsonFault } from './faults.js';
import type { Gateway } from './gateway.js';

const MAX_ADMIN_BODY = 1024 * 1024;

/**
 * The admin API (docs/admin-api.md) on its own listener, loopback by default: health, APIs, per-API flows,
 * registry resources. Every route but GET /health needs the admin credentials of gateway.yaml, compared in
 * constant time. Uploaded flows are validated before they are stored; a refused one leaves the old flow.
 */
export class AdminApi {
  private server: Server | undefined;
  private readonly expected: Buffer | undefined;

  constructor(private readonly gateway: Gateway) {
    const { user, password } = gateway.config.admin;
    this.expected = password ? digest(`${user}:${password}`) : undefined;
  }

  listen(port = this.gateway.config.admin.port, host = this.gateway.config.admin.host): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) =>
        err instanceof URIError ? send(res, 400, jsonFault(400, 400, 'The path is not valid percent-encoding.')) : send(res, 500, jsonFault(500, 500, err.message)),
      );
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve(`http://${host}:${typeof a === 'object' && a ? a.port : port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.expected) return false;
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m) return false;
    return timingSafeEqual(digest(Buffer.from(m[1]!, 'base64').toString('utf8')), this.expected);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // URL parsing would resolve `..` (and `%2e%2e`) before any route sees the path: a key or route would change
    // silently under the client's feet, so such a path is refused rather than reinterpreted.
    if ((req.url ?? '/').split(/[?#]/, 1)[0]!.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment))) {
      return send(res, 400, jsonFault(400, 400, 'The path has "." or ".." segments.'));
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/health') {
      // Still 200 when the registry is degraded: the node serves, and a load balancer must not take it out.
      const registry = this.gateway.registry.status();
      return send(res, 200, { status: registry.status, apis: this.gateway.apis.length, activeRequests: this.gateway.activeRequests, registry });
    }
    if (method === 'GET' && url.pathname === '/metrics') {
      const { contentType, text } = await metricsText();
      res.writeHead(200, { 'content-type': contentType });
      res.end(text);
      return;
    }
    if (!this.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Mediate admin"');
      return send(res, 401, jsonFault(401, 900901, this.expected ? 'Invalid or missing admin credentials.' : 'The admin API has no password configured (gateway.yaml admin.password).'));
    }
    const trace = /^\/apis\/([^/]+)\/trace$/.exec(url.pathname);
    if (trace && method === 'PUT') return this.trace(req, res, decodeURIComponent(trace[1]!));
    const flow = /^\/apis\/([^/]+)\/flows\/([^/]+)$/.exec(url.pathname);
    if (flow) return this.flow(req, res, decodeURIComponent(flow[1]!), flow[2]!);
    if (url.pathname === '/apis' && method === 'GET') return this.listApis(res);
    const tokens = /^\/tokens(?:\/([^/]+))?$/.exec(url.pathname);
    if (tokens) return this.tokens(res, method, tokens[1] === undefined ? undefined : decodeURIComponent(tokens[1]));
    if (url.pathname.startsWith('/registry/')) return this.registry(req, res, decodeURIComponent(url.pathname.slice('/registry/'.length)), url);
    send(res, 404, jsonFault(404, 404, `no admin route ${method} ${url.pathname}`));
  }

  /** Traces the next requests of an API, within a bound: `{"requests": N, "seconds": S}` (docs/observability.md). */
  private async trace(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const api = this.gateway.apis.find((a) => a.name === name || a.runtimeName === name);
    if (!api) return send(res, 404, jsonFault(404, 404, `no API named "${name}"`));
    let order: { requests?: unknown; seconds?: unknown };
    try {
      order = JSON.parse((await readBody(req)).toString('utf8') || '{}') as typeof order;
    } catch {
      return send(res, 400, jsonFault(400, 400, 'the body is JSON: {"requests": N, "seconds": S}'));
    }
    const requests = Number(order.requests ?? 10);
    const seconds = Number(order.seconds ?? 60);
    if (!(requests > 0) || !(seconds > 0)) return send(res, 400, jsonFault(400, 400, 'requests and seconds must be numbers > 0'));
    await this.gateway.registry.put(traceKey(api), Buffer.from(traceOrder(requests, seconds, Date.now())), 'application/json');
    send(res, 200, { api: api.name, requests: Math.min(requests, MAX_TRACED_REQUESTS), seconds: Math.min(seconds, MAX_TRACE_SECONDS) });
  }

  /** OAuth2 tokens (backend-auth.md R12, R13): their metadata, never the tokens; DELETE purges. */
  private async tokens(res: ServerResponse, method: string, cacheKey: string | undefined): Promise<void> {
    const registry = this.gateway.registry;
    if (method === 'GET' && cacheKey === undefined) return send(res, 200, tokenMetadata(registry));
    if (method === 'DELETE') {
      await purgeTokens(registry, cacheKey);
      return send(res, 200, { purged: cacheKey ?? 'all' });
    }
    send(res, 405, jsonFault(405, 405, 'use GET /tokens, DELETE /tokens or DELETE /tokens/{cacheKey}'));
  }

  private listApis(res: ServerResponse): void {
    const registry = this.gateway.registry;
    send(
      res,
      200,
      this.gateway.apis.map((api) => ({
        name: api.name,
        version: api.version,
        context: api.context,
        resources: api.resources.map((r) => ({ methods: r.methods ? [...r.methods] : null, path: r.pattern })),
        flows: Object.fromEntries(FLOWS.map((f) => [f, registry.readText(flowKey(api.name, api.version, f)) !== null])),
      })),
    );
  }

  private async flow(req: IncomingMessage, res: ServerResponse, name: string, flowName: string): Promise<void> {
    const api = this.gateway.apis.find((a) => a.name === name || a.runtimeName === name);
    if (!api) return send(res, 404, jsonFault(404, 404, `no API named "${name}"`));
    if (!(FLOWS as readonly string[]).includes(flowName)) return send(res, 400, jsonFault(400, 400, `the flow is in, out or fault, not "${flowName}"`));
    const key = flowKey(api.name, api.version, flowName as FlowName);
    const registry = this.gateway.registry;
    switch (req.method) {
      case 'GET': {
        const resource = await registry.get(key);
        if (!resource) return send(res, 404, jsonFault(404, 404, `${api.name} has no uploaded ${flowName} flow`));
        res.writeHead(200, { 'content-type': resource.mediaType });
        res.end(resource.content);
        return;
      }
      case 'PUT': {
        const body = await readBody(req);
        const yaml = /yaml/.test(req.headers['content-type'] ?? '');
        const file = `${api.name}--${flowName}.${yaml ? 'yaml' : 'xml'}`;
        const result = compileFlow(body.toString('utf8'), file, this.gateway.options.mediators, this.gateway.artifacts);
        if (!result.sequence) {
          return send(res, 400, { ...jsonFault(400, 400, 'The sequence is not valid; the previous flow is kept.'), errors: result.diagnostics.errors.map(formatDiagnostic) });
        }
        await registry.put(key, body, yaml ? 'application/yaml' : 'application/xml');
        return send(res, 200, { stored: key });
      }
      case 'DELETE':
        if (!(await registry.remove(key))) return send(res, 404, jsonFault(404, 404, `${api.name} has no uploaded ${flowName} flow`));
        return send(res, 200, { removed: key });
    }
    send(res, 405, jsonFault(405, 405, 'use GET, PUT or DELETE'));
  }

  private async registry(req: IncomingMessage, res: ServerResponse, key: string, url: URL): Promise<void> {
    const registry = this.gateway.registry;
    try {
      switch (req.method) {
        case 'GET': {
          if (url.searchParams.has('list')) return send(res, 200, await registry.list(key));
          const resource = await registry.get(key);
          if (!resource) return send(res, 404, jsonFault(404, 404, `no resource ${key}`));
          // Tokens and other secrets kept in the registry are for mediation, not for whoever holds admin access.
          const secret = isSecretPath(registry.resolve(key).key.path, [TOKENS_PATH]);
          res.writeHead(200, {
            'content-type': resource.mediaType,
            'x-registry-properties': JSON.stringify(redactRecord(resource.properties)),
            ...(secret ? { 'x-registry-masked': 'true' } : {}),
          });
          res.end(secret ? MASK : resource.content);
          return;
        }
        case 'PUT':
          await registry.put(key, await readBody(req), req.headers['content-type'] ?? 'text/plain');
          return send(res, 200, { stored: key });
        case 'DELETE':
          if (!(await registry.remove(key))) return send(res, 404, jsonFault(404, 404, `no resource ${key}`));
          return send(res, 200, { removed: key });
      }
    } catch (err) {
      if (err instanceof MediateError) return send(res, 400, jsonFault(400, 400, err.message));
      throw err;
    }
    send(res, 405, jsonFault(405, 405, 'use GET, PUT or DELETE'));
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ADMIN_BODY) {
        reject(new MediateError('MEDIATE_ADMIN_BODY_TOO_LARGE', `admin request bodies are limited to ${MAX_ADMIN_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
