import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: the first final response (1xx skipped), and whether the server closed. */
export interface RawAnswer {
  /** null when the server closed (or the time ran out) without a response. */
  readonly status: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The server closed the connection (within `closeWaitMs` of the response). */
  readonly closed: boolean;
  readonly timedOut: boolean;
  /** The JSON fault's `code`, when the body is one. */
  readonly code: string | null;
}

export interface RawOptions {
  /** Give up waiting for a response after this long. */
  readonly timeoutMs?: number;
  /** After a complete response, how long to wait to see whether the server closes the connection. */
  readonly closeWaitMs?: number;
}

/** Bytes to write, or steps: bytes, and pauses (a number of ms) between them for slow clients. */
export type RawInput = string | Buffer | ReadonlyArray<string | Buffer | number>;

/**
 * Sends bytes exactly as given on a new TCP connection (no client library to normalise them) and reads the
 * answer: node:http's client would refuse to send most of what the hostile tests need.
 */
export function rawRequest(port: number, input: RawInput, options: RawOptions = {}): Promise<RawAnswer> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const closeWaitMs = options.closeWaitMs ?? 300;
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let closed = false;
    let settled = false;
    let response: Omit<RawAnswer, 'closed' | 'timedOut'> | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      socket.destroy();
      resolve({ ...(response ?? { status: null, headers: {}, body: '', code: null }), closed, timedOut });
    };
    const timer = setTimeout(() => finish(response === undefined), timeoutMs);
    const tryParse = () => {
      if (response) return;
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = data.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0]!)?.[1] ?? NaN);
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const rest = data.subarray(end + 4);
        if (status >= 100 && status < 200) {
          data = rest;
          continue;
        }
        let body: Buffer | undefined;
        if (headers['content-length'] !== undefined) {
          const length = Number(headers['content-length']);
          if (rest.length < length) return;
          body = rest.subarray(0, length);
        } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
          body = dechunk(rest);
          if (!body) return;
        } else if (!closed) return;
        else body = rest;
        const text = body.toString('utf8');
        response = { status, headers, body: text, code: faultCode(headers, text) };
        closeTimer = setTimeout(() => finish(false), closeWaitMs);
        return;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      tryParse();
      finish(false);
    });
    socket.on('connect', async () => {
      const steps = typeof input === 'string' || Buffer.isBuffer(input) ? [input] : input;
      for (const step of steps) {
        if (socket.destroyed) return;
        if (typeof step === 'number') await new Promise((r) => setTimeout(r, step));
        else socket.write(step);
      }
    });
  });
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return Buffer.alloc(0);
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function faultCode(headers: Record<string, string>, body: string): string | null {
  if (!/json/.test(headers['content-type'] ?? '')) return null;
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    return typeof parsed.code === 'string' ? parsed.code : null;
  } catch {
    return null;
  }
}

/** A request head and body with CRLF line ends; Host and Content-Length are added unless given. */
export function httpRequest(method: string, target: string, headers: ReadonlyArray<readonly [string, string]> = [], body = '', version = 'HTTP/1.1'): string {
  const names = new Set(headers.map(([n]) => n.toLowerCase()));
  const all = [...headers];
  if (!names.has('host')) all.unshift(['Host', 'gateway.test']);
  if (body !== '' && !names.has('content-length') && !names.has('transfer-encoding')) all.push(['Content-Length', String(Buffer.byteLength(body))]);
  return `${method} ${target} ${version}\r\n${all.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`;
}
