import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { dispatch, type Api, type Dispatch, type DispatchRequest } from '../api/api.js';
import { HOP_BY_HOP } from '../endpoint/http-client.js';
import { ErrorCode } from '../error-codes.js';
import { MediationError } from '../errors.js';
import { runFlow } from '../interpreter.js';
import { HeaderMap } from '../message/headers.js';
import { Axis2, MessageContext } from '../message/message-context.js';
import { ClientGone } from '../message/cancel-signal.js';
import { Payload } from '../message/payload.js';
import { stringOf } from '../message/typed-value.js';
import type { GatewayLimits } from '../config/gateway-config.js';
import type { Runtime } from '../runtime.js';
import { recordOf } from '../observability/access-log.js';
import { Tracer } from '../trace/tracer.js';
import type { TraceSwitch } from './trace-switch.js';
import { canStream, runApi, setApiProperties } from './api-flow.js';
import { jsonFault, type JsonFault } from './faults.js';
import type { FlowCache, UploadedFlows } from './flow-store.js';

/** What the request handler needs from the gateway; it reads the current APIs on every request (hot reload). */
export interface GatewayState {
  readonly apis: readonly Api[];
  readonly runtime: Runtime;
  readonly flows: FlowCache;
  readonly maxBodyBytes: number;
  readonly limits: Pick<GatewayLimits, 'maxHeaderCount' | 'maxUrlLength'>;
  readonly traces: TraceSwitch;
}

class BodyTooLarge extends Error {}

/**
 * A body of declared length up to this size is read whole even when nobody mediates it: it comes in one or two
 * reads anyway, and one buffer goes to the backend in one write, where a stream costs listeners, a Transform
 * and a write per chunk (streaming every body made pass-through 39 % slower, docs/performance.md).
 */
const READ_WHOLE_BYTES = 64 * 1024;
const EMPTY_BODY = Buffer.alloc(0);

/** Serves one HTTP request: dispatch (reference §6.3), the API's flows, and the answer. */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, state: GatewayState, protocol: 'http' | 'https'): Promise<void> {
  const abort = new ClientGone();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const runtime = state.runtime;
  const refused = refusal(req, state.limits);
  if (refused) {
    req.resume();
    return sendFault(res, refused.code, jsonFault(refused.code, refused.code, refused.reason), true);
  }
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > state.maxBodyBytes) {
    req.resume();
    return sendFault(res, 413, tooLarge(state), true);
  }
  const pathWithQuery = req.url ?? '/';
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody = (declared ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const request: DispatchRequest = {
    method,
    pathWithQuery,
    host: req.headers.host,
    protocol,
    contentType: req.headers['content-type'],
    userAgent: req.headers['user-agent'],
    hasBody,
  };
  const d = dispatch(state.apis, request);
  const uploaded = d.kind === 'resource' ? state.flows.of(d.api, runtime.registry, runtime.artifacts) : undefined;
  if (d.kind === 'resource' && hasBody && !(declared !== undefined && declared <= READ_WHOLE_BYTES) && canStream(d.api, d.resource, uploaded!)) {
    // Nothing can read this message and it is large, or of unknown length: the body goes to the backend as it
    // arrives, within the size limit (Node holds a declared length to its word; a chunked body is counted).
    const body = declared === undefined ? req.pipe(new LimitedBody(state.maxBodyBytes)) : req;
    const mc = message(req, Payload.stream(body, req.headers['content-type'] ?? null, declared), runtime, method, pathWithQuery);
    await serve(res, mc, d, uploaded!, state, abort, protocol, req);
    return;
  }
  let body: Buffer = EMPTY_BODY;
  try {
    if (hasBody) body = await readBody(req, state.maxBodyBytes);
    else req.resume();
  } catch (err) {
    if (err instanceof BodyTooLarge) return sendFault(res, 413, tooLarge(state), true);
    return sendFault(res, 400, jsonFault(400, ErrorCode.MESSAGE_BUILD_FAILURE, 'The request body could not be read.'), true);
  }
  if (d.kind === 'no-api') return noMatch(req, res, runtime, 404, body);
  if (d.kind === 'no-resource') {
    const handler = d.status === 405 ? '_method_not_allowed_handler_' : '_resource_mismatch_handler_';
    return noMatch(req, res, runtime, d.status, body, runtime.artifacts.sequence(handler) ? handler : undefined);
  }
  if (d.kind === 'options') {
    res.writeHead(200, { allow: d.allow.join(', '), 'content-length': '0' });
    res.end();
    return;
  }
  const payload = new Payload(body, req.headers['content-type'] ?? null, runtime.limits.payload);
  return serve(res, message(req, payload, runtime, method, pathWithQuery), d, uploaded!, state, abort, protocol, req);
}

async function serve(
  res: ServerResponse,
  mc: MessageContext,
  d: Extract<Dispatch, { kind: 'resource' }>,
  uploaded: UploadedFlows,
  state: GatewayState,
  abort: ClientGone,
  protocol: 'http' | 'https',
  req: IncomingMessage,
): Promise<void> {
  mc.signal = abort;
  const record = recordOf(res);
  if (record) {
    record.api = d.api.runtimeName;
    record.resource = d.resource.pattern || 'default';
    // The backend sees the same request id as the client and the access log.
    if (!mc.headers.has('X-Request-ID')) mc.headers.set('X-Request-ID', record.requestId);
  }
  setApiProperties(mc, d, mc.to ?? '/', `${protocol}://${req.headers.host ?? ''}`);
  if (state.traces.shouldTrace(d.api, mc.runtime.registry, mc.runtime.now())) mc.tracer = new Tracer();
  await runApi(mc, d.api, d.resource, uploaded);
  if (mc.tracer) {
    mc.runtime.logger.log('info', 'trace', { type: 'trace', requestId: record?.requestId, api: d.api.runtimeName, steps: mc.tracer.events, dropped: mc.tracer.dropped });
  }
  if (record) {
    record.backendMs = mc.timings.backendMs;
    record.authMs = mc.timings.authMs;
    if (mc.fault) record.faultCode = mc.fault.errorCode;
  }
  if (abort.aborted) return;
  const body = mc.payload.streamed?.stream;
  if (body instanceof LimitedBody && body.exceeded) return sendFault(res, 413, tooLarge(state), true);
  writeMessage(res, mc, (req.method ?? '').toUpperCase() === 'HEAD');
}

/**
 * What node:http lets through and a gateway must not pass on (docs/security.md): Node itself answers 400 to
 * Content-Length with Transfer-Encoding, duplicate or malformed Content-Length, obs-fold and bare CR or LF;
 * the rest of the framing checks, and the limits Node has no refusal for, are here. The connection is closed
 * after the answer, as the body that may follow cannot be trusted.
 */
function refusal(req: IncomingMessage, limits: GatewayState['limits']): { code: 400 | 414 | 431 | 501; reason: string } | undefined {
  const target = req.url ?? '/';
  if (target.length > limits.maxUrlLength) return { code: 414, reason: `The request target is longer than ${limits.maxUrlLength} characters.` };
  // The absolute form (`GET http://other/x`) is for forward proxies; its authority would contradict Host.
  if (!target.startsWith('/') && !(target === '*' && req.method === 'OPTIONS')) return { code: 400, reason: 'The request target must be a path starting with /.' };
  if (req.rawHeaders.length / 2 > limits.maxHeaderCount) return { code: 431, reason: `The request has more than ${limits.maxHeaderCount} header fields.` };
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  // Two Host headers: the gateway and the backend could each pick a different one (RFC 9112 §3.2).
  if (hosts > 1) return { code: 400, reason: 'The request has more than one Host header.' };
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (req.httpVersion === '1.0') return { code: 400, reason: 'Transfer-Encoding is not allowed in an HTTP/1.0 request.' };
    // Node reads `gzip, chunked` as chunked and hands on a body it never decoded; no other coding is supported.
    if (te.trim().toLowerCase() !== 'chunked') return { code: 501, reason: 'Only the chunked transfer coding is supported.' };
  }
  return undefined;
}

function tooLarge(state: GatewayState): JsonFault {
  return jsonFault(413, 413, `The request body is larger than ${state.maxBodyBytes} bytes.`);
}

/** The request body on its way through, failing once more than `limit` bytes have come. */
class LimitedBody extends Transform {
  exceeded = false;
  private size = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.exceeded = true;
      done(new Error(`the request body is larger than ${this.limit} bytes`));
    } else done(null, chunk);
  }
}

function message(req: IncomingMessage, payload: Payload, runtime: Runtime, method: string, to: string): MessageContext {
  const headers = new HeaderMap();
  // Headers the client's Connection header names are for this hop only (RFC 9110 §7.6.1); the Connection header
  // itself is dropped below, so the endpoint could no longer tell which they were.
  const connection = req.headers.connection;
  const connectionNamed = connection ? new Set(connection.split(',').map((n) => n.trim().toLowerCase())) : undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionNamed?.has(lower)) continue;
    const earlier = headers.get(lower);
    headers.setParsed(name, earlier === undefined ? raw[i + 1]! : `${earlier}, ${raw[i + 1]}`);
  }
  return new MessageContext(runtime, { payload, headers, method, to, contentType: req.headers['content-type'] ?? null });
}

/** No API or no resource: the `main` or handler sequence when the configuration has one, else a JSON fault. */
async function noMatch(req: IncomingMessage, res: ServerResponse, runtime: Runtime, status: 404 | 405 | 400, body: Buffer, handler?: string): Promise<void> {
  const sequence = runtime.artifacts.sequence(handler ?? (status === 404 ? 'main' : ''));
  if (sequence && (handler || status === 404)) {
    const method = (req.method ?? 'GET').toUpperCase();
    const mc = message(req, new Payload(body, req.headers['content-type'] ?? null, runtime.limits.payload), runtime, method, req.url ?? '/');
    mc.axis2.set(Axis2.REST_URL_POSTFIX, req.url ?? '/');
    await runFlow(mc, async () => sequence.mediate(mc));
    return writeMessage(res, mc, method === 'HEAD');
  }
  const description =
    status === 404 ? 'No matching resource found for given API Request' : status === 405 ? 'The method is not allowed for the requested resource' : 'The request does not meet the resource requirements';
  sendFault(res, status, jsonFault(status, status, description));
}

/** Writes the message as the answer: the response after respond/send, 202 after drop, a JSON fault after a fault. */
export function writeMessage(res: ServerResponse, mc: MessageContext, head: boolean): void {
  if (res.headersSent) return;
  if (mc.outcome === 'fault') {
    const error = mc.fault;
    const status = error?.httpStatus ?? 500;
    const code = error?.errorCode ?? ErrorCode.GENERIC;
    return sendFault(res, status, jsonFault(status, code, error ? clientDescription(error, mc) : 'The request could not be mediated.', 'Runtime Error'));
  }
  if (mc.outcome !== 'respond') {
    res.writeHead(202, { 'content-length': '0' });
    res.end();
    return;
  }
  const sc = mc.axis2.get(Axis2.HTTP_SC);
  const status = sc === undefined || sc === null || sc === '' ? 200 : Number(stringOf(sc));
  const streamed = mc.payload.streamed;
  if (streamed) return pipeMessage(res, mc, status, streamed, head);
  const serialised = mc.payload.serialize(mc.messageType);
  const body = typeof serialised === 'string' ? Buffer.from(serialised, 'utf8') : serialised;
  const headers: Record<string, string> = {};
  mc.headers.forEach((name, value) => {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
  });
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
  if (body.length > 0) headers['Content-Type'] = stringOf(mc.axis2.get(Axis2.CONTENT_TYPE) ?? mc.messageType ?? 'application/octet-stream');
  headers['Content-Length'] = String(body.length);
  res.writeHead(Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500, headers);
  res.end(head ? undefined : body);
}

/**
 * What the client may read of a fault: a mediation error's own message (a backend, payload or mediator
 * failure), but not that of an internal failure the engine wrapped (a registry store error names files and
 * databases; a bug's message names code), which goes to the log instead.
 */
function clientDescription(error: MediationError, mc: MessageContext): string {
  const internal = error.constructor === MediationError && error.cause !== undefined && !(error.cause instanceof MediationError);
  if (!internal) return error.message;
  mc.runtime.logger.log('error', `mediation failed: ${error.message}${error.detail ? ` (${error.detail})` : ''}`);
  return 'The gateway could not process the request.';
}

/** A backend response nobody reads goes to the client as it arrives. */
function pipeMessage(res: ServerResponse, mc: MessageContext, status: number, streamed: { stream: Readable | null; length: number | undefined }, head: boolean): void {
  const headers: Record<string, string> = {};
  mc.headers.forEach((name, value) => {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
  });
  if (streamed.length !== undefined) headers['Content-Length'] = String(streamed.length);
  res.writeHead(status, headers);
  const source = streamed.stream;
  if (head || !source) {
    source?.resume();
    res.end();
    return;
  }
  // pipe() rather than stream.pipeline(): pipeline's cleanup built an AbortController and a DOMException per
  // response. A backend failing mid-body cuts the client's connection (its status line is already out); a client
  // going away releases the backend connection.
  source.once('error', () => res.destroy());
  res.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(res);
}

function sendFault(res: ServerResponse, status: number, fault: JsonFault, close = false): void {
  if (res.headersSent) return;
  const body = JSON.stringify(fault);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...(close ? { Connection: 'close' } : {}) });
  res.end(body);
}

/** Reads the whole request body, refusing it as soon as it passes the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
