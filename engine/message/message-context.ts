import { randomUUID } from 'node:crypto';
import type { CancelSignal } from './cancel-signal.js';
import { HeaderMap } from './headers.js';
import { Payload } from './payload.js';
import type { Runtime } from '../runtime.js';
import type { Mediator } from '../mediator.js';
import type { MediationError } from '../errors.js';
import type { Tracer } from '../trace/tracer.js';

/** The property scopes a sequence can read and write (reference §2.1, §3.2.5). */
export const WRITABLE_SCOPES = ['default', 'transport', 'axis2', 'axis2-client', 'operation'] as const;
export type WritableScope = (typeof WRITABLE_SCOPES)[number];

/** How a message's flow ended: `continue` (the sequence returned true), or a mediator finished it. */
export type Outcome = 'continue' | 'respond' | 'drop' | 'send' | 'fault';

/** Something the engine can run when a fault occurs: a named sequence on the fault stack. */
export interface FaultHandler {
  mediate(mc: MessageContext): boolean | Promise<boolean>;
}

/** Axis2 properties with meaning to the engine. */
export const Axis2 = {
  MESSAGE_TYPE: 'messageType',
  CONTENT_TYPE: 'ContentType',
  HTTP_SC: 'HTTP_SC',
  HTTP_METHOD: 'HTTP_METHOD',
  REST_URL_POSTFIX: 'REST_URL_POSTFIX',
  TRANSPORT_HEADERS: 'TRANSPORT_HEADERS',
} as const;

export interface MessageInit {
  readonly payload?: Payload;
  readonly headers?: HeaderMap;
  readonly method?: string;
  /** The request path with its query, which Synapse keeps as the message's To address. */
  readonly to?: string | null;
  readonly contentType?: string | null;
}

/**
 * One message on its way through the engine: Synapse's MessageContext (reference §1.4) — properties in each
 * scope, transport headers, the payload, the direction flag, the fault stack.
 */
export class MessageContext {
  readonly properties = new Map<string, unknown>();
  readonly axis2 = new Map<string, unknown>();
  readonly axis2Client = new Map<string, unknown>();
  /** Shared by the request and the response of one exchange. */
  operation = new Map<string, unknown>();
  headers: HeaderMap;
  payload: Payload;
  isResponse = false;
  to: string | null;
  private id: string | undefined;
  readonly faultStack: FaultHandler[] = [];
  outcome: Outcome = 'continue';
  /** The error that sent this message to the fault flow, if one did. */
  fault: MediationError | undefined;
  /** The mediator running now, so that errors and traces can say where they happened. */
  current: Mediator | undefined;
  /**
   * What runs a backend response that `send` received, when the flow's owner has a response path (an API's
   * out-flow); without one the response goes straight back to the client.
   */
  onResponse: ((mc: MessageContext) => Promise<unknown>) | undefined;
  /** Time spent waiting for backends and for their credentials (tokens), for the access log and metrics. */
  readonly timings = { backendMs: 0, authMs: 0 };
  /** Set when this message is traced: every mediator it goes through is recorded. */
  tracer: Tracer | undefined;
  /** Aborted when the client goes away: backend calls made for this message are cancelled with it. */
  signal: CancelSignal | undefined;

  constructor(
    readonly runtime: Runtime,
    init: MessageInit = {},
  ) {
    this.headers = init.headers ?? new HeaderMap();
    const contentType = init.contentType ?? this.headers.get('content-type') ?? null;
    this.payload = init.payload ?? new Payload(undefined, contentType, runtime.limits.payload);
    this.to = init.to ?? null;
    if (init.method) this.axis2.set(Axis2.HTTP_METHOD, init.method.toUpperCase());
    if (contentType) {
      this.axis2.set(Axis2.CONTENT_TYPE, contentType);
      this.axis2.set(Axis2.MESSAGE_TYPE, contentType.split(';')[0]!.trim());
    }
  }

  /** Synapse's message id, made when first asked for: most messages never are. */
  get messageId(): string {
    return (this.id ??= `urn:uuid:${randomUUID()}`);
  }

  /** The messageType that chooses the outgoing serialisation. */
  get messageType(): string | null {
    const t = this.axis2.get(Axis2.MESSAGE_TYPE);
    return t === undefined || t === null ? null : String(t);
  }

  /** Setting messageType also sets ContentType and the Content-Type header, as Synapse does. */
  setMessageType(type: string): void {
    this.axis2.set(Axis2.MESSAGE_TYPE, type);
    this.axis2.set(Axis2.CONTENT_TYPE, type);
    this.headers.set('Content-Type', type);
  }

  getProperty(scope: WritableScope, name: string): unknown {
    switch (scope) {
      case 'default':
        return this.properties.get(name);
      case 'transport':
        return this.headers.get(name);
      case 'axis2':
        if (name === Axis2.TRANSPORT_HEADERS) return this.headers;
        return this.axis2.get(name);
      case 'axis2-client':
        return this.axis2Client.get(name);
      case 'operation':
        return this.operation.get(name);
    }
  }

  setProperty(scope: WritableScope, name: string, value: unknown): void {
    switch (scope) {
      case 'default':
        // Synapse ignores a null value: the old value survives (reference §1.4).
        if (value !== null && value !== undefined) this.properties.set(name, value);
        return;
      case 'transport':
        this.headers.set(name, value === null || value === undefined ? '' : String(value));
        return;
      case 'axis2':
        if (name === Axis2.MESSAGE_TYPE && value !== null && value !== undefined) this.setMessageType(String(value));
        else this.axis2.set(name, value);
        return;
      case 'axis2-client':
        this.axis2Client.set(name, value);
        return;
      case 'operation':
        this.operation.set(name, value);
        return;
    }
  }

  removeProperty(scope: WritableScope, name: string): void {
    switch (scope) {
      case 'default':
        this.properties.delete(name);
        return;
      case 'transport':
        this.headers.delete(name);
        return;
      case 'axis2':
        if (name === Axis2.TRANSPORT_HEADERS) this.headers.clear();
        else this.axis2.delete(name);
        return;
      case 'axis2-client':
        this.axis2Client.delete(name);
        return;
      case 'operation':
        this.operation.delete(name);
        return;
    }
  }
}
