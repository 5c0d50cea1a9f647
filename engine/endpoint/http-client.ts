import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { MediationError } from '../errors.js';
import type { CancelSignal } from '../message/cancel-signal.js';
import { backendErrorFor } from './backend-error.js';

/** Settings of the pooled client (gateway.yaml `backends`). */
export interface HttpClientOptions {
  /** PEM file of extra trusted certificate authorities for HTTPS backends. */
  readonly caFile?: string | null;
  /** Accept any certificate: development only, off by default. */
  readonly insecure?: boolean;
  readonly connectTimeoutMs?: number;
  /** Connections kept per backend origin. */
  readonly connectionsPerOrigin?: number;
  readonly keepAliveMs?: number;
}

export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  /** The body: bytes, or a stream passed through unread (which cannot be sent twice). */
  readonly body: Buffer | Readable | null;
}

export interface BackendResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** A response whose body has not been read: it streams. */
export interface StreamedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Readable;
}

export interface SendOptions {
  /**
   * Endpoint `<timeout><duration>`: the longest wait for the response headers, and then for each part of the
   * body (a read timeout, as Synapse's endpoint timeout is).
   */
  readonly timeoutMs: number;
  readonly signal?: CancelSignal | undefined;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and framing headers: never forwarded as they are. */
export const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'host', 'content-length', 'expect',
]);

/**
 * The backend HTTP client: undici with one keep-alive pool per origin (an Agent keeps a Pool per origin), TLS
 * verification on unless explicitly switched off, no redirects followed. A failure becomes a BackendError
 * carrying Synapse's error code.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(readonly options: HttpClientOptions = {}) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: options.keepAliveMs ?? 30_000,
      connect: {
        timeout: options.connectTimeoutMs ?? 10_000,
        rejectUnauthorized: !options.insecure,
        ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
      },
    });
  }

  get dispatcher(): Dispatcher {
    return this.agent;
  }

  /** Sends and reads the whole response. */
  async send(request: OutgoingRequest, options: SendOptions): Promise<BackendResponse> {
    const response = await this.open(request, options);
    try {
      return { status: response.status, headers: response.headers, body: await readAll(response.body) };
    } catch (err) {
      throw backendErrorFor(err, `${request.url.protocol}//${request.url.host}`);
    }
  }

  /**
   * Sends and resolves as soon as the response headers are in, with the body as a stream: what lets the gateway
   * pass a response nobody reads straight to the client. `timeoutMs` bounds the wait for the headers; the body
   * then fails if it stalls for as long. Both are undici's own timers (headersTimeout, bodyTimeout): a timer
   * and an AbortSignal of our own per call cost a noticeable share of a pass-through's CPU and kept objects
   * alive into the old generation (docs/performance.md).
   */
  async open(request: OutgoingRequest, options: SendOptions): Promise<StreamedResponse> {
    const target = `${request.url.protocol}//${request.url.host}`;
    // A request that cannot be sent at all (jms:, file:, a method or header value undici refuses) is not a back-end
    // failure: as a BackendError it would suspend the endpoint, letting one bad message take it out for everyone.
    if (request.url.protocol !== 'http:' && request.url.protocol !== 'https:') {
      throw new MediationError(`cannot send to ${request.url.href}: only http and https endpoints are supported`);
    }
    try {
      const response = await this.agent.request({
        origin: request.url.origin,
        path: request.url.pathname + request.url.search,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body ?? undefined,
        signal: options.signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      return { status: response.statusCode, headers: flatten(response.headers), body: response.body };
    } catch (err) {
      if ((err as { code?: string })?.code === 'UND_ERR_INVALID_ARG') {
        throw new MediationError(`the request to ${target} is invalid: ${(err as Error).message}`, undefined, { cause: err });
      }
      throw backendErrorFor(err, target);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The whole body: its chunks joined once (undici's arrayBuffer() goes through a Blob-like consumer per call). */
export function readAll(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    body.once('error', reject);
  });
}

/** Repeated headers (Set-Cookie, Via) come as arrays; the usual response has none and is used as it is. */
function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  let repeated = false;
  for (const name in headers) if (typeof headers[name] !== 'string') repeated = true;
  if (!repeated) return headers as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
