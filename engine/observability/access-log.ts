import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactValue } from '../redact.js';
import type { Logger } from '../runtime.js';
import { metrics } from './metrics.js';

/** What the gateway learns about a request while serving it, for its access log line and its metrics. */
export interface RequestRecord {
  readonly requestId: string;
  api?: string;
  resource?: string;
  backendMs: number;
  authMs: number;
  faultCode?: number;
}

const records = new WeakMap<ServerResponse, RequestRecord>();

export function recordOf(res: ServerResponse): RequestRecord | undefined {
  return records.get(res);
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Starts the record of a request: its id is the client's X-Request-ID when it is a sane token, else a new one;
 * it goes back to the client and on to the backend. When the answer is finished, one access log line and the
 * request metrics are written.
 */
export function trackRequest(req: IncomingMessage, res: ServerResponse, logger: Logger): RequestRecord {
  const given = req.headers['x-request-id'];
  const record: RequestRecord = { requestId: typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID(), backendMs: 0, authMs: 0 };
  records.set(res, record);
  res.setHeader('X-Request-ID', record.requestId);
  const started = performance.now();
  res.once('close', () => {
    const totalMs = performance.now() - started;
    const api = record.api ?? '-';
    metrics.requests.with(api, record.resource ?? '-', String(res.statusCode)).inc();
    metrics.requestDuration.with(api).observe(totalMs / 1000);
    if (record.backendMs > 0) metrics.backendDuration.with(api).observe(record.backendMs / 1000);
    if (record.faultCode !== undefined) metrics.faults.inc({ code: String(record.faultCode) });
    logger.log('info', 'request', {
      type: 'access',
      requestId: record.requestId,
      method: req.method,
      path: redactQuery(req.url ?? '/'),
      api,
      resource: record.resource ?? '-',
      status: res.statusCode,
      completed: res.writableFinished,
      totalMs: round(totalMs),
      backendMs: round(record.backendMs),
      tokenMs: round(record.authMs),
      ...(record.faultCode !== undefined ? { faultCode: record.faultCode } : {}),
    });
  });
  return record;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A query parameter named like a secret (access_token=...) is masked in the log. */
function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? p : `${p.slice(0, eq)}=${redactValue(decodeSafe(p.slice(0, eq)), p.slice(eq + 1))}`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
