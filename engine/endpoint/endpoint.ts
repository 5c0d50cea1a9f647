import type { SourceLocation } from '../config/diagnostics.js';
import { ErrorCode } from '../error-codes.js';
import { MediationError } from '../errors.js';
import type { Expression } from '../expression/expression.js';
import { Axis2, type MessageContext, type WritableScope } from '../message/message-context.js';
import { stringOf } from '../message/typed-value.js';
import type { Authenticator, MutableRequest } from './authenticator.js';
import { BackendError } from './backend-error.js';
import type { Readable } from 'node:stream';
import type { CancelSignal } from '../message/cancel-signal.js';
import { HOP_BY_HOP, readAll, type BackendResponse, type HttpClient, type SendOptions, type StreamedResponse } from './http-client.js';
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
  /** `<timeout><duration>`: the read timeout of the exchange (HttpClient SendOptions); unset means the default. */
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
  private readonly addressUrls = new Map<string, URL>();

  constructor(readonly settings: EndpointSettings) {
    this.state = new SuspensionState(settings.suspension);
  }

  get name(): string {
    return this.settings.name ?? 'anonymous';
  }

  /** Sends the message (its payload serialised by messageType) and reads the whole response. */
  async send(mc: MessageContext, postfix: PostfixRule, signal: CancelSignal | undefined = mc.signal): Promise<BackendResponse> {
    return this.exchange(mc, this.request(mc, postfix), signal, (http, request, options) => http.send(request, options));
  }

  /**
   * Sends the message and resolves with the response unread, for a response no mediator will look at: it goes
   * to the client as it arrives. A streamed request body (one nobody mediates) goes as it arrives too, and
   * cannot be sent twice, so a 401 is retried only without one.
   */
  async forward(mc: MessageContext, signal: CancelSignal | undefined = mc.signal): Promise<StreamedResponse | BackendResponse> {
    const streamed = mc.payload.streamed;
    let request = this.request(mc, 'address-only', streamed !== undefined);
    if (streamed) {
      if (streamed.length !== undefined) request.headers['content-length'] = String(streamed.length);
      if (streamed.stream === null) delete request.headers['content-type'];
      request = { ...request, body: streamed.stream };
    }
    return this.exchange(mc, request, signal, (http, req, options) => http.open(req, options));
  }

  private async exchange<T extends { status: number; headers: Record<string, string>; body: unknown }>(
    mc: MessageContext,
    request: MutableRequest,
    signal: CancelSignal | undefined,
    perform: (http: HttpClient, request: MutableRequest, options: SendOptions) => Promise<T>,
  ): Promise<T | BackendResponse> {
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
      let response: T | BackendResponse = await perform(http, request, options).finally(() => (mc.timings.backendMs += performance.now() - started));
      if (response.status === 401 && auth) {
        // A streamed body cannot be sent again, but the authenticator still learns of the 401 (an OAuth2 token
        // the backend refused is purged), so the next request goes out with fresh credentials. A 401 read for
        // it is answered as read, if it stays the answer.
        const replayable = !isStream(request.body);
        const seen: BackendResponse = Buffer.isBuffer(response.body)
          ? (response as BackendResponse)
          : { ...response, body: replayable ? await readAll(response.body as Readable) : Buffer.alloc(0) };
        if (replayable) response = seen;
        if ((await auth.retryAfterUnauthorized(request, seen, mc)) && replayable) response = await perform(http, request, options);
      }
      this.state.succeeded();
      return response;
    } catch (err) {
      if (err instanceof BackendError) this.state.failed(err.errorCode, mc.runtime.now());
      throw err;
    }
  }

  /**
   * The address with the message's postfix: requests repeat the same few postfixes, and a URL parsed (and
   * checked against the base path) per request was a visible cost. URLs are not changed once made.
   */
  private addressUrl(base: URL, postfix: string): URL {
    let url = this.addressUrls.get(postfix);
    if (!url) {
      url = appendPostfix(base, postfix);
      // Postfixes with query strings can be endless: the memo is bounded and starts over.
      if (this.addressUrls.size >= 256) this.addressUrls.clear();
      this.addressUrls.set(postfix, url);
    }
    return url;
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
    if (target.kind === 'address') url = this.addressUrl(target.uri, postfix);
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
    const connection = mc.headers.get('connection');
    const connectionNamed = connection ? new Set(connection.split(',').map((n) => n.trim().toLowerCase())) : undefined;
    mc.headers.forEach((name, value) => {
      const key = name.toLowerCase();
      if (!HOP_BY_HOP.has(key) && !connectionNamed?.has(key)) headers[key] = value;
    });
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
