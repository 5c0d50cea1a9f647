import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';

/** One request as a test backend received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target exactly as it came on the request line: path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A real HTTP backend on 127.0.0.1 with an ephemeral port that records what it receives. The default handler
 * answers 200 with a small JSON body; tests replace `handler` to answer otherwise.
 */
export class RecordingBackend {
  readonly requests: ReceivedRequest[] = [];
  handler: BackendHandler = (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  };

  private constructor(private readonly server: Server) {}

  static async start(handler?: BackendHandler): Promise<RecordingBackend> {
    let backend!: RecordingBackend;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        backend.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        backend.handler(req, res, body);
      });
    });
    backend = new RecordingBackend(server);
    if (handler) backend.handler = handler;
    await listen(server);
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** http://127.0.0.1:port followed by `path`. */
  url(path = ''): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get last(): ReceivedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('the backend has received no request');
    return last;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A raw TCP backend for answers HTTP servers cannot give (garbage bytes, a response cut off): `onConnection`
 * gets each socket once the request's first bytes arrived. It counts connections, so a test can tell whether
 * the gateway contacted it at all.
 */
export class RawBackend {
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: NetServer) {}

  static async start(onRequest: (socket: Socket, request: string) => void): Promise<RawBackend> {
    let backend!: RawBackend;
    const server = createNetServer((socket) => {
      backend.connections++;
      backend.sockets.add(socket);
      socket.on('close', () => backend.sockets.delete(socket));
      socket.on('error', () => {});
      socket.once('data', (data) => onRequest(socket, data.toString('latin1')));
    });
    backend = new RawBackend(server);
    await listen(server);
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = ''): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 that was just listened on and closed again: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server | NetServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/** A complete HTTP/1.1 response with `Connection: close`, for raw backends. */
export function rawResponse(status: number, body: string, contentType = 'text/plain'): string {
  return `HTTP/1.1 ${status} X\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
