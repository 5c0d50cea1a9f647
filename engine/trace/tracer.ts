import type { Mediator } from '../mediator.js';
import type { MessageContext } from '../message/message-context.js';
import { stringOf } from '../message/typed-value.js';
import { redactPayload, redactRecord } from '../redact.js';

/** What one mediator did to the message (issue: message tracing). */
export interface TraceEvent {
  readonly step: number;
  readonly depth: number;
  readonly mediator: string;
  readonly location: string;
  durationMs: number;
  /** continue: the flow went on; stop: the mediator ended it (respond, drop, send, ...); error: it threw. */
  result: 'continue' | 'stop' | 'error';
  properties: { set: Record<string, string>; removed: string[] };
  headers: { set: Record<string, string>; removed: string[] };
  payload?: { before: string; after: string };
  branch?: string;
  error?: string;
}

interface Snapshot {
  readonly properties: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly payload: string;
}

/**
 * Records each mediator a message goes through, in order and nested as they ran, with what it changed. Values
 * pass through the central redaction list, so a trace shows no secret. Bounded: past `limit` events the rest
 * are counted, not kept.
 */
export class Tracer {
  readonly events: TraceEvent[] = [];
  dropped = 0;
  private depth = 0;
  private readonly open: TraceEvent[] = [];

  constructor(private readonly limit = 10_000) {}

  async around(mediator: Mediator, mc: MessageContext, run: () => boolean | Promise<boolean>): Promise<boolean> {
    const before = snapshot(mc);
    const event: TraceEvent = {
      step: this.events.length + this.dropped + 1,
      depth: this.depth,
      mediator: mediator.name,
      location: `${mediator.loc.file}:${mediator.loc.line}:${mediator.loc.column}`,
      durationMs: 0,
      result: 'continue',
      properties: { set: {}, removed: [] },
      headers: { set: {}, removed: [] },
    };
    if (this.events.length < this.limit) this.events.push(event);
    else this.dropped++;
    this.open.push(event);
    this.depth++;
    const started = performance.now();
    try {
      const result = await run();
      event.result = result ? 'continue' : 'stop';
      return result;
    } catch (err) {
      event.result = 'error';
      event.error = (err as Error).message;
      throw err;
    } finally {
      this.depth--;
      this.open.pop();
      event.durationMs = performance.now() - started;
      diff(event, before, snapshot(mc));
    }
  }

  /** Notes which branch a filter, switch, in or out took. */
  branch(label: string): void {
    const current = this.open[this.open.length - 1];
    if (current) current.branch = label;
  }
}

function snapshot(mc: MessageContext): Snapshot {
  const properties: Record<string, string> = {};
  for (const [k, v] of mc.properties) if (!k.startsWith('__') && k !== 'ERROR_EXCEPTION') properties[k] = stringOf(v);
  for (const [k, v] of mc.axis2) properties[`axis2:${k}`] = stringOf(v);
  return { properties: redactRecord(properties), headers: redactRecord(mc.headers.toObject()), payload: payloadText(mc) };
}

function payloadText(mc: MessageContext): string {
  if (mc.payload.streamed) return '(streamed through unread)';
  try {
    const body = mc.payload.serialize(mc.messageType);
    return redactPayload(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}

function diff(event: TraceEvent, before: Snapshot, after: Snapshot): void {
  for (const [k, v] of Object.entries(after.properties)) if (before.properties[k] !== v) event.properties.set[k] = v;
  for (const k of Object.keys(before.properties)) if (!(k in after.properties)) event.properties.removed.push(k);
  for (const [k, v] of Object.entries(after.headers)) if (before.headers[k] !== v) event.headers.set[k] = v;
  for (const k of Object.keys(before.headers)) if (!(k in after.headers)) event.headers.removed.push(k);
  if (before.payload !== after.payload) event.payload = { before: before.payload, after: after.payload };
}
