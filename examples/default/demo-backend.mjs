// The default example's backend: a token endpoint (OAuth2 client_credentials grant, client_secret_basic) and
// the PizzaShack service, which answers only requests bearing a token that endpoint issued. Both on loopback.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export const CLIENT_ID = 'pizzashack-client';
export const CLIENT_SECRET = 'pizzashack-secret';
const TOKEN_LIFETIME_S = 3600;

const MENU = [
  { name: 'Margherita', description: 'Tomato, mozzarella, basil', price: '9.50' },
  { name: 'Diavola', description: 'Tomato, mozzarella, spicy salami', price: '11.00' },
  { name: 'Quattro Formaggi', description: 'Four cheeses', price: '12.50' },
];

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readForm(req) {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(new URLSearchParams(text)));
  });
}

/** Starts both servers; `log` receives one line per token request. */
export async function startDemoBackend({ tokenPort = 9443, backendPort = 9080, log = console.log } = {}) {
  const tokens = new Map();
  let tokenRequests = 0;

  const tokenServer = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/token') return json(res, 404, { error: 'not_found' });
    const form = await readForm(req);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent) : [];
    tokenRequests++;
    if (id !== CLIENT_ID || secret !== CLIENT_SECRET) {
      log(`token endpoint: request #${tokenRequests} refused: bad client credentials`);
      return json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="token"' });
    }
    if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type' });
    const token = randomBytes(24).toString('hex');
    tokens.set(token, Date.now() + TOKEN_LIFETIME_S * 1000);
    log(`token endpoint: request #${tokenRequests}: issued a token for ${id}`);
    json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S });
  });

  const backend = createServer((req, res) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const expires = bearer ? tokens.get(bearer[1]) : undefined;
    if (!expires || expires < Date.now()) {
      return json(res, 401, { fault: 'a valid access token from the token endpoint is required' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/pizzashack/1.0.0/menu') return json(res, 200, MENU);
    const order = /^\/pizzashack\/1\.0\.0\/order(?:\/([\w-]+))?$/.exec(path);
    if (order) return json(res, req.method === 'POST' ? 201 : 200, { orderId: order[1] ?? randomBytes(4).toString('hex'), status: 'accepted' });
    json(res, 404, { error: 'no such resource' });
  });

  const listen = (server, port) => new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  await listen(tokenServer, tokenPort);
  await listen(backend, backendPort);
  return {
    tokenRequests: () => tokenRequests,
    close: () => Promise.all([tokenServer, backend].map((s) => new Promise((r) => { s.close(r); s.closeAllConnections(); }))),
  };
}

// Run directly (`node examples/default/demo-backend.mjs`), it serves until stopped.
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  await startDemoBackend();
  console.log('token endpoint on http://127.0.0.1:9443/token, PizzaShack backend on http://127.0.0.1:9080 (Ctrl-C stops)');
}
