// The benchmark's backend, run as its own process: `node bench/lib/backend.mjs --port P --token-port T`.
// - Port P: a minimal node:http echo. POST/PUT answer the request body with its content type; GET answers a
//   1 KiB JSON document. Paths under /secure/ require `Authorization: Bearer <token>` with a token the token
//   endpoint issued (401 otherwise), so the OAuth scenarios are checked under load, not only at start.
// - Port T: the token endpoint (client_credentials, client_secret_basic) at /token/<name>, counting requests
//   per name; GET /stats answers the counters as JSON, POST /reset zeroes them.
// Prints "ready <port> <token-port>" when both listen.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export const CLIENT_ID = 'pizzashack-client';
export const CLIENT_SECRET = 'pizzashack-secret';

/** A JSON document of exactly `size` bytes (an order with items, padded with a notes field). */
export function jsonDocument(size) {
  const doc = { id: 'ord-000123', customer: { name: 'Ada Lovelace', tier: 'gold', email: 'ada@example.com' }, items: [], notes: '' };
  const names = ['Margherita', 'Diavola', 'Quattro Formaggi', 'Capricciosa', 'Marinara'];
  for (let i = 0; JSON.stringify(doc).length < size - 90; i++) {
    doc.items.push({ sku: `SKU-${String(i).padStart(5, '0')}`, name: names[i % names.length], qty: (i % 3) + 1, price: 9.5 + (i % 4) });
  }
  doc.notes = 'x'.repeat(Math.max(0, size - JSON.stringify(doc).length));
  const text = JSON.stringify(doc);
  if (text.length !== size) throw new Error(`jsonDocument(${size}) made ${text.length} bytes`);
  return text;
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const port = Number(arg('port', 0));
  const tokenPort = Number(arg('token-port', 0));
  const json1k = Buffer.from(jsonDocument(1024));
  const tokens = new Set();
  const UNAUTHORIZED = Buffer.from('{"error":"invalid_token"}');
  const stats = { requests: 0, secured: 0, unauthorized: 0, tokenRequests: {} };

  const backend = createServer((req, res) => {
    stats.requests++;
    if (req.url.startsWith('/secure/')) {
      stats.secured++;
      const auth = req.headers.authorization;
      if (!auth || !auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) {
        stats.unauthorized++;
        req.resume();
        res.writeHead(401, { 'content-type': 'application/json', 'content-length': String(UNAUTHORIZED.length), 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end(UNAUTHORIZED);
        return;
      }
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(json1k.length) });
      res.end(req.method === 'HEAD' ? undefined : json1k);
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'content-length': String(body.length) });
      res.end(body);
    });
  });
  // Proxies keep idle upstream connections between measurements: never close them under their feet.
  backend.keepAliveTimeout = 300_000;
  backend.headersTimeout = 301_000;

  const tokenServer = createServer((req, res) => {
    const send = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    };
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/stats') return send(200, stats);
      if (req.method === 'POST' && req.url === '/reset') {
        Object.assign(stats, { requests: 0, secured: 0, unauthorized: 0, tokenRequests: {} });
        return send(200, stats);
      }
      const m = /^\/token\/([\w-]+)$/.exec(req.url);
      if (req.method !== 'POST' || !m) return send(404, { error: 'not_found' });
      stats.tokenRequests[m[1]] = (stats.tokenRequests[m[1]] ?? 0) + 1;
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString().split(':') : [];
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return send(401, { error: 'invalid_client' });
      // The article's sequence posts its payloadFactory body as a form; accept it with or without the grant.
      if (text && !/grant_type=client_credentials/.test(text)) return send(400, { error: 'unsupported_grant_type' });
      const token = randomBytes(24).toString('hex');
      tokens.add(token);
      send(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    });
  });

  const listen = (server, p) => new Promise((resolve, reject) => server.once('error', reject).listen(p, '127.0.0.1', () => resolve(server.address().port)));
  const actual = await listen(backend, port);
  const actualToken = await listen(tokenServer, tokenPort);
  process.stdout.write(`ready ${actual} ${actualToken}\n`);
  const stop = () => {
    backend.closeAllConnections();
    tokenServer.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) await main();
