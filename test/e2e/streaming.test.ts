import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configFolder, eventually, InProcessGateway, SYNAPSE_NS } from './support/harness.js';

/**
 * What streams and what is read whole (docs/gateway.md): a request body nobody mediates streams to the backend
 * when it is over 64 KiB or chunked, and a smaller one arrives whole; a response no out-flow reads reaches the
 * client as the backend writes it, with or without an in-flow. Each test holds back the rest of a body until
 * the other side has seen its first part, which only streaming lets happen.
 */

/** A backend that reports each body's bytes as they arrive, and answers what the test tells it to. */
class StreamingBackend {
  received = 0;
  bodies: Buffer[] = [];
  respond: (req: IncomingMessage, res: ServerResponse) => void = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  };

  private constructor(private readonly server: Server) {}

  static async start(): Promise<StreamingBackend> {
    let backend!: StreamingBackend;
    const server = createServer((req, res) => {
      req.on('data', (c: Buffer) => (backend.received += c.length));
      backend.respond(req, res);
    });
    backend = new StreamingBackend(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return backend;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const api = (name: string, context: string, url: string, flowIn: string | null) => `name: ${name}
context: ${context}
version: v1
endpoint:
  url: ${url}
resources:
  - { path: /*, methods: [GET, POST] }
flows: { in: ${flowIn ?? 'null'}, out: null, fault: null }
`;

let backend: StreamingBackend;
let folder: ReturnType<typeof configFolder>;
let gw: InProcessGateway;

beforeAll(async () => {
  backend = await StreamingBackend.start();
  folder = configFolder({
    'apis/plain.yaml': api('Plain', '/plain', backend.url, null),
    'apis/flowed.yaml': api('Flowed', '/flowed', backend.url, 'mark'),
    'sequences/mark.xml': `<sequence ${SYNAPSE_NS} name="mark"><header name="X-Marked" scope="transport" value="yes"/></sequence>`,
  });
  gw = await InProcessGateway.start(folder.dir);
});

afterAll(async () => {
  await gw?.close();
  await backend?.close();
  folder?.remove();
});

/** POSTs `first`, waits until `ready()` holds (polled), then sends `rest`; resolves with the answer's status. */
function postInTwoParts(path: string, headers: Record<string, string>, first: Buffer, rest: Buffer, ready: () => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gw.url}${path}`, { method: 'POST', agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write(first);
    eventually(() => (ready() ? true : undefined), 5000, 'the first part at the backend').then(
      () => req.end(rest),
      (err: Error) => {
        req.destroy();
        reject(err);
      },
    );
  });
}

describe('request bodies nobody mediates', () => {
  test('over 64 KiB: the backend has the first part before the client sends the rest', async () => {
    backend.received = 0;
    const first = Buffer.alloc(100 * 1024, 'a');
    const rest = Buffer.alloc(100 * 1024, 'b');
    const status = await postInTwoParts('/plain/v1/big', { 'content-type': 'application/octet-stream', 'content-length': String(first.length + rest.length) }, first, rest, () => backend.received >= 64 * 1024);
    expect(status).toBe(200);
    expect(backend.bodies.at(-1)).toEqual(Buffer.concat([first, rest]));
  });

  test('chunked: streamed too, whatever its size', async () => {
    backend.received = 0;
    const first = Buffer.from('first part;');
    const rest = Buffer.from('second part');
    const status = await postInTwoParts('/plain/v1/chunked', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, first, rest, () => backend.received >= first.length);
    expect(status).toBe(200);
    expect(backend.bodies.at(-1)!.toString()).toBe('first part;second part');
  });

  test('64 KiB or less: read whole before anything goes to the backend, and sent as it came', async () => {
    backend.received = 0;
    let contentType: string | undefined;
    backend.respond = (req, res) => {
      contentType = req.headers['content-type'];
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        backend.bodies.push(Buffer.concat(chunks));
        res.end();
      });
    };
    const body = Buffer.from(JSON.stringify({ a: 'x'.repeat(60 * 1024) }));
    const half = body.length >> 1;
    // Streamed, the first half would be at the backend within milliseconds; read whole, nothing is sent yet.
    const started = Date.now();
    let receivedEarly = -1;
    const afterWaiting = () => {
      if (Date.now() - started < 200) return false;
      receivedEarly = backend.received;
      return true;
    };
    const status = await postInTwoParts('/plain/v1/small', { 'content-type': 'application/json', 'content-length': String(body.length) }, body.subarray(0, half), body.subarray(half), afterWaiting);
    expect(receivedEarly).toBe(0);
    expect(status).toBe(200);
    expect(backend.bodies.at(-1)).toEqual(body);
    expect(contentType).toBe('application/json');
  });
});

describe('responses no out-flow reads', () => {
  test.each([
    ['an API without flows', '/plain/v1/answer'],
    ['an API with an in-flow', '/flowed/v1/answer'],
  ])('%s: the client has the first part before the backend writes the rest', async (_what, path) => {
    let finish: (() => void) | undefined;
    backend.respond = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'x-marked-seen': String(req.headers['x-marked'] ?? '') });
      res.write('first part;');
      finish = () => res.end('second part');
    };
    const answer = await new Promise<{ marked: string; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gw.url}${path}`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (body === 'first part;') finish?.();
        });
        res.on('end', () => resolve({ marked: String(res.headers['x-marked-seen']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.body).toBe('first part;second part');
    expect(answer.marked).toBe(path.startsWith('/flowed') ? 'yes' : '');
  });
});
