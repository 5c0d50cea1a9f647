import pino, { type Logger as Pino } from 'pino';
import { redactValue } from '../redact.js';
import type { LogLevel, Logger } from '../runtime.js';

/**
 * The gateway's structured logger: one JSON object per line on standard error (pino), so that log shippers read
 * it as it is. Field values pass through the redaction list, whatever logs them.
 */
export class JsonLogger implements Logger {
  private readonly pino: Pino;

  constructor(level: LogLevel = 'info', destination: NodeJS.WritableStream | number = 2, base: Record<string, unknown> = {}) {
    this.pino = pino(
      { level, base: { pid: process.pid, ...base }, timestamp: isoTime, formatters: { level: (label) => ({ level: label }) } },
      // Lines are written in batches of 4 KiB, and at least every 200 ms: a write per access line was a visible
      // share of a busy gateway's CPU. pino flushes what is left when the process exits.
      typeof destination === 'number' ? pino.destination({ fd: destination, sync: false, minLength: 4096, periodicFlush: 200 }) : destination,
    );
  }

  isEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (!this.pino.isLevelEnabled(level)) return;
    this.pino[level](fields ? redactFields(fields) : {}, message);
  }
}

function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in fields) {
    const v = fields[k];
    out[k] = typeof v === 'string' ? redactValue(k, v) : v;
  }
  return out;
}

let stampedMs = -1;
let stamp = '';

/**
 * pino's ISO timestamp, formatted once per millisecond: a busy gateway writes several access lines in each one,
 * and formatting a Date per line was a visible share of the CPU.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== stampedMs) {
    stampedMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}
