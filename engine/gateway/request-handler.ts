import type { IncomingMessage, ServerResponse } from 'node:http';
import { dispatch, type Api, type DispatchRequest } from '../api/api.js';
import { HOP_BY_HOP } from '../endpoint/http-client.js';
import { ErrorCode } from '../error-codes.js';
import { runFlow } from '../interpreter.js';
import { HeaderMap } from '../message/headers.js';
import { Axis2, MessageContext } from '../message/message-context.js';
import { Payload } from '../message/payload.js';
import { stringOf } from '../message/typed-value.js';
import type { Runtime } from '../runtime.js';
import { runApi, setApiProperties } from './api-flow.js';
import { jsonFault, type JsonFault } from './faults.js';
import type { FlowCache } from './flow-store.js';

/** What the request handler needs from the gateway; it reads the current APIs on every request (hot reload). */
export interface GatewayState {
  readonly apis: readonly Api[];
  readonly runtime: Runtime;
  readonly flows: FlowCache;
  readonly maxBodyBytes: number;
}

class BodyTooLarge extends Error {}

/** Serves one HTTP request: dispatch (reference §6.3), the API's flows, and the answer. */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, state: GatewayState, protocol: 'http' | 'https'): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const runtime = state.runtime;
  let body: Buffer;
  try {
    body = await readBody(req, state.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) return sendFault(res, 413, jsonFault(413, 413, `The request body is larger than ${state.maxBodyBytes} bytes.`), true);
    return sendFault(res, 400, jsonFault(400, ErrorCode.MESSAGE_BUILD_FAILURE, 'The request body could not be read.'), true);
  }
  const pathWithQuery = req.url ?? '/';
  const method = (req.method ?? 'GET').toUpperCase();
  const request: DispatchRequest = {
    method,
    pathWithQuery,
    host: req.headers.host,
    protocol,
    contentType: req.headers['content-type'],
    userAgent: req.headers['user-agent'],
    hasBody: body.length > 0,
  };
  const d = dispatch(state.apis, request);
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
  const mc = message(req, body, runtime, method, pathWithQuery);
  mc.signal = abort.signal;
  setApiProperties(mc, d, pathWithQuery, `${protocol}://${req.headers.host ?? ''}`);
  await runApi(mc, d.api, d.resource, state.flows);
  if (abort.signal.aborted) return;
  writeMessage(res, mc, method === 'HEAD');
}

function message(req: IncomingMessage, body: Buffer, runtime: Runtime, method: string, to: string): MessageContext {
  const headers = new HeaderMap();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.set(name, headers.has(name) ? `${headers.get(name)}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1]!);
  }
  const contentType = req.headers['content-type'] ?? null;
  return new MessageContext(runtime, { payload: new Payload(body, contentType, runtime.limits.payload), headers, method, to, contentType });
}

/** No API or no resource: the `main` or handler sequence when the configuration has one, else a JSON fault. */
async function noMatch(req: IncomingMessage, res: ServerResponse, runtime: Runtime, status: 404 | 405 | 400, body: Buffer, handler?: string): Promise<void> {
  const sequence = runtime.artifacts.sequence(handler ?? (status === 404 ? 'main' : ''));
  if (sequence && (handler || status === 404)) {
    const method = (req.method ?? 'GET').toUpperCase();
    const mc = message(req, body, runtime, method, req.url ?? '/');
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
    return sendFault(res, status, jsonFault(status, code, error?.message ?? 'The request could not be mediated.', 'Runtime Error'));
  }
  if (mc.outcome !== 'respond') {
    res.writeHead(202, { 'content-length': '0' });
    res.end();
    return;
  }
  const sc = mc.axis2.get(Axis2.HTTP_SC);
  const status = sc === undefined || sc === null || sc === '' ? 200 : Number(stringOf(sc));
  const serialised = mc.payload.serialize(mc.messageType);
  const body = typeof serialised === 'string' ? Buffer.from(serialised, 'utf8') : serialised;
  const headers: Record<string, string> = {};
  for (const [name, value] of mc.headers) if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
  if (body.length > 0) headers['Content-Type'] = stringOf(mc.axis2.get(Axis2.CONTENT_TYPE) ?? mc.messageType ?? 'application/octet-stream');
  headers['Content-Length'] = String(body.length);
  res.writeHead(Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500, headers);
  res.end(head ? undefined : body);
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
