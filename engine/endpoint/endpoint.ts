import type { SourceLocation } from '../config/diagnostics.js';
import { ErrorCode } from '../error-codes.js';
import { MediationError } from '../errors.js';
import type { Expression } from '../expression/expression.js';
import { Axis2, type MessageContext, type WritableScope } from '../message/message-context.js';
import { stringOf } from '../message/typed-value.js';
import type { Authenticator, MutableRequest } from './authenticator.js';
import { BackendError } from './backend-error.js';
import type { Readable } from 'node:stream';
import { HOP_BY_HOP, type BackendResponse, type HttpClient, type SendOptions, type StreamedResponse } from './http-client.js';
import { SuspensionState, type SuspensionPolicy } from './suspension.js';
import { appendPostfix, type UriTemplate } from './target-url.js';

/** Where an endpoint sends: a fixed URI, a URI template, or the message's own To address. */
export type EndpointTarget =
  | { readonly kind: 'address'; readonly uri: URL }
  | { readonly kind: 'http'; readonly template: UriTemplate; readonly method: string | undefined }
  | { readonly kind: 'default' };

/** An endpoint-level `<property>`: `uri.var.*`/`query.param.*` feed the template, others are set on the message. */
export interface EndpointProperty {
  readonly name: string;
  readonly value: string | undefined;
  readonly expression: Expression | undefined;
  readonly scope: WritableScope;
}

export interface EndpointSettings {
  readonly name: string | undefined;
  readonly target: EndpointTarget;
  /** `<timeout><duration>`: the whole exchange; unset means the client default. */
  readonly timeoutMs: number | undefined;
  readonly suspension: SuspensionPolicy;
  readonly properties: readonly EndpointProperty[];
  readonly authenticator: Authenticator | undefined;
  readonly loc: SourceLocation;
}

/** How the caller wants REST_URL_POSTFIX treated (reference §2.6, §5.3). */
export type PostfixRule = 'always' | 'address-only';

const DEFAULT_TIMEOUT_MS = 60_000;
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * An endpoint (reference §5): builds the backend request from the message (method, URL with the postfix,
 * transport headers without hop-by-hop ones, the payload serialised by messageType), applies backend
 * authentication with at most one retry after a 401, and keeps Synapse's suspension state.
 */
export class Endpoint {
  private readonly state: SuspensionState;

  constructor(readonly settings: EndpointSettings) {
    this.state = new SuspensionState(settings.suspension);
  }

  get name(): string {
    return this.settings.name ?? 'anonymous';
  }

  /** Sends the message (its payload serialised by messageType) and reads the whole response. */
  async send(mc: MessageContext, postfix: PostfixRule, signal: AbortSignal | undefined = mc.signal): Promise<BackendResponse> {
    return this.exchange(mc, this.request(mc, postfix), signal, (http, request, options) => http.send(request, options));
  }

  /**
   * Passes a request nobody mediates straight through: `body` is the client's request stream (or null), the
   * response comes back unread. A streamed body cannot be sent twice, so a 401 is retried only without one.
   */
  async forward(mc: MessageContext, body: Readable | null, length: number | undefined, signal: AbortSignal | undefined = mc.signal): Promise<StreamedResponse> {
    const request = this.request(mc, 'address-only', true);
    if (length !== undefined) request.headers['content-length'] = String(length);
    if (body === null) delete request.headers['content-type'];
    return this.exchange(mc, { ...request, body }, signal, (http, req, options) => http.open(req, options));
  }

  private async exchange<T extends { status: number; headers: Record<string, string>; body: unknown }>(
    mc: MessageContext,
    request: MutableRequest,
    signal: AbortSignal | undefined,
    perform: (http: HttpClient, request: MutableRequest, options: SendOptions) => Promise<T>,
  ): Promise<T> {
    if (this.state.isSuspended(mc.runtime.now())) {
      throw new BackendError(`Currently , Address endpoint : [ Name : ${this.name} ] [ State : ${this.state.stateName} ]`, ErrorCode.ENDPOINT_NOT_READY);
    }
    const http = mc.runtime.http;
    if (!http) throw new MediationError('no HTTP client is available to call endpoints');
    const auth = this.settings.authenticator;
    const options = { timeoutMs: this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal };
    try {
      if (auth) {
        const authStarted = performance.now();
        await auth.authorize(request, mc);
        mc.timings.authMs += performance.now() - authStarted;
      }
      const started = performance.now();
      let response = await perform(http, request, options).finally(() => (mc.timings.backendMs += performance.now() - started));
      if (response.status === 401 && auth) {
        // A streamed body cannot be sent again, but the authenticator still learns of the 401 (an OAuth2 token
        // the backend refused is purged), so the next request goes out with fresh credentials.
        const replayable = !isStream(request.body);
        const seen = Buffer.isBuffer(response.body) ? (response as unknown as BackendResponse) : { ...response, body: replayable ? await drain(response) : Buffer.alloc(0) };
        if ((await auth.retryAfterUnauthorized(request, seen, mc)) && replayable) response = await perform(http, request, options);
      }
      this.state.succeeded();
      return response;
    } catch (err) {
      if (err instanceof BackendError) this.state.failed(err.errorCode, mc.runtime.now());
      throw err;
    }
  }

  private applyProperties(mc: MessageContext): void {
    for (const p of this.settings.properties) {
      if (p.name.startsWith('uri.var.') || p.name.startsWith('query.param.')) continue;
      mc.setProperty(p.scope, p.name, p.value ?? p.expression?.stringValue(mc) ?? null);
    }
  }

  /** The backend request for the message; with `streamed`, the caller supplies the body and its headers stay. */
  private request(mc: MessageContext, postfixRule: PostfixRule, streamed = false): MutableRequest {
    this.applyProperties(mc);
    const target = this.settings.target;
    const postfix = stringOf(mc.axis2.get(Axis2.REST_URL_POSTFIX) ?? '');
    let url: URL;
    let method = stringOf(mc.axis2.get(Axis2.HTTP_METHOD) ?? 'POST').toUpperCase() || 'POST';
    if (target.kind === 'address') url = appendPostfix(target.uri, postfix);
    else if (target.kind === 'http') {
      url = target.template.expand(this.templateVariables(mc));
      if (postfixRule === 'always') url = appendPostfix(url, postfix);
      if (target.method) method = target.method;
    } else {
      if (!mc.to || !/^https?:\/\//i.test(mc.to)) {
        throw new MediationError(`endpoint ${this.name}: the message has no absolute To address to send to (set it with <header name="To" .../>)`);
      }
      url = new URL(mc.to);
    }
    const headers: Record<string, string> = {};
    // Headers the client's Connection header names are hop-by-hop too (RFC 9110 §7.6.1): meant for this hop only.
    const connectionNamed = new Set((mc.headers.get('connection') ?? '').split(',').map((n) => n.trim().toLowerCase()));
    for (const [name, value] of mc.headers) {
      const key = name.toLowerCase();
      if (!HOP_BY_HOP.has(key) && !connectionNamed.has(key)) headers[key] = value;
    }
    let body: Buffer | null = null;
    if (streamed) return { method, url, headers, body };
    if (!BODYLESS.has(method) && !mc.payload.isEmpty) {
      const serialised = mc.payload.serialize(mc.messageType);
      body = typeof serialised === 'string' ? Buffer.from(serialised, 'utf8') : serialised;
      const type = mc.messageType ?? mc.payload.contentType;
      if (type) headers['content-type'] = stringOf(mc.axis2.get(Axis2.CONTENT_TYPE) ?? type);
    } else delete headers['content-type'];
    return { method, url, headers, body };
  }

  /** `uri.var.*` and `query.param.*` from the message's default scope, then the endpoint's own properties. */
  private templateVariables(mc: MessageContext): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const [name, value] of mc.properties) {
      if (name.startsWith('uri.var.') || name.startsWith('query.param.')) vars[name] = stringOf(value);
    }
    for (const p of this.settings.properties) {
      if (p.name.startsWith('uri.var.') || p.name.startsWith('query.param.')) vars[p.name] = p.value ?? p.expression?.stringValue(mc) ?? '';
    }
    return vars;
  }
}

function isStream(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body);
}

/** Reads a 401's body so the connection can be reused and an authenticator can look at it. */
async function drain(response: { body: unknown }): Promise<Buffer> {
  const body = response.body as { arrayBuffer?: () => Promise<ArrayBuffer> } | undefined;
  return body?.arrayBuffer ? Buffer.from(await body.arrayBuffer()) : Buffer.alloc(0);
}
