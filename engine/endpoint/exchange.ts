import { Axis2, type MessageContext } from '../message/message-context.js';
import { HeaderMap } from '../message/headers.js';
import { Payload } from '../message/payload.js';
import { MediationError } from '../errors.js';
import { resolveDynamic } from '../expression/dynamic-value.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointRef } from './endpoint-factory.js';
import { HOP_BY_HOP, type BackendResponse, type StreamedResponse } from './http-client.js';

/** The endpoint a reference names, resolved per message for `{dynamic}` keys. */
export function resolveEndpoint(ref: EndpointRef, mc: MessageContext): Endpoint {
  if ('endpoint' in ref) return ref.endpoint;
  const key = resolveDynamic(ref.key, mc);
  const endpoint = mc.runtime.artifacts.endpoint(key);
  if (!endpoint) throw new MediationError(`Endpoint named "${key}" cannot be found`);
  return endpoint;
}

/**
 * Makes a backend response the current message: its body (parsed lazily, or a stream passed on unread), HTTP_SC, its content type as
 * messageType; the response headers replace the transport headers unless `keepRequestHeaders` (blocking call).
 */
export function takeResponse(mc: MessageContext, response: BackendResponse | StreamedResponse, keepRequestHeaders: boolean): void {
  const contentType = response.headers['content-type'] ?? null;
  const length = response.headers['content-length'];
  mc.payload = Buffer.isBuffer(response.body)
    ? new Payload(response.body, contentType, mc.runtime.limits.payload)
    : Payload.stream(response.body, contentType, length === undefined ? undefined : Number(length));
  mc.axis2.set(Axis2.HTTP_SC, response.status);
  if (contentType) {
    mc.axis2.set(Axis2.CONTENT_TYPE, contentType);
    mc.axis2.set(Axis2.MESSAGE_TYPE, contentType.split(';')[0]!.trim());
  } else {
    mc.axis2.delete(Axis2.CONTENT_TYPE);
    mc.axis2.delete(Axis2.MESSAGE_TYPE);
  }
  if (keepRequestHeaders) {
    if (contentType) mc.headers.set('Content-Type', contentType);
    return;
  }
  const headers = new HeaderMap();
  for (const name in response.headers) {
    if (!HOP_BY_HOP.has(name)) headers.setParsed(name, response.headers[name]!);
  }
  mc.headers = headers;
}
