import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mediate, mediateAsync, ROOT } from '../support/cli.js';
import { AuthorizationServer, CLIENT } from './oauth/support/authorization-server.js';
import { ProtectedBackend } from './oauth/support/protected-backend.js';

/**
 * The shipped token-generation sequences (the WSO2 article's flow) through `mediate run`, against a real OAuth2
 * server (oidc-provider) and a backend that accepts only its tokens. The sequences are used as shipped, with the
 * two values the user must replace (the Base64 client credentials and the token URL) replaced.
 */
let idp: AuthorizationServer;
let backend: ProtectedBackend;
const dir = mkdtempSync(join(tmpdir(), 'mediate-article-'));
const KEYS = '/api-backend-credentials/PizzaShackAPI';
const SHIPPED_CREDENTIALS = 'cGl6emFzaGFjay1jbGllbnQ6cGl6emFzaGFjay1zZWNyZXQ=';

function prepare(name: string): string {
  const text = readFileSync(join(ROOT, 'sequences', name), 'utf8')
    .replaceAll(SHIPPED_CREDENTIALS, Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64'))
    .replaceAll('http://127.0.0.1:9443/token', idp.tokenUrl);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

interface Run {
  code: number;
  out: { outcome: string; headers: Record<string, string>; body: string; properties: { axis2: Record<string, unknown> }; error: { code: number; message: string } | null };
}

async function run(file: string, registry: string[]): Promise<Run> {
  const r = await mediateAsync(['run', file, ...registry, '--body', '-', '--content-type', 'application/json', '--method', 'POST', '--path', '/order?size=large'], {
    input: '{"pizza":"Diavola"}',
  });
  return { code: r.code, out: JSON.parse(r.stdout || 'null') };
}

/** Calls the protected backend with the Authorization header the sequence produced. */
async function backendStatus(authorization: string | undefined): Promise<number> {
  const r = await request(`${backend.url}/menu`, { headers: authorization ? { authorization } : {} });
  await r.body.dump();
  return r.statusCode;
}

beforeAll(async () => {
  idp = await AuthorizationServer.start();
  backend = await ProtectedBackend.start(idp);
});

afterAll(async () => {
  await backend?.close();
  await idp?.close();
});

describe.each([
  ['oauth2-token-gov.xml', 'gov'],
  ['oauth2-token-local.xml', 'local'],
  ['oauth2-token-gov.yaml', 'gov'],
])('%s through mediate run', (name, scope) => {
  test('fetches and stores a token, reuses it, and fetches again when generated_Time is old', async () => {
    const file = prepare(name);
    const registryDir = ['--registry-dir', mkdtempSync(join(dir, 'reg-'))];
    const put = (key: string, value: string) => expect(mediate(['registry', 'put', `${scope}:${KEYS}/${key}`, value, ...registryDir]).code).toBe(0);
    put('access_Token', '');
    put('generated_Time', '0');
    const before = idp.tokenRequests;

    const first = await run(file, registryDir);
    expect(first.code).toBe(0);
    expect(first.out.outcome).toBe('continue');
    expect(idp.tokenRequests).toBe(before + 1);
    const bearer = first.out.headers['Authorization'];
    expect(bearer).toMatch(/^Bearer \S+$/);
    expect(await backendStatus(bearer)).toBe(200);
    // The original payload, content type and resource path are back for the backend call.
    expect(JSON.parse(first.out.body)).toEqual({ pizza: 'Diavola' });
    expect(first.out.properties.axis2['REST_URL_POSTFIX']).toBe('/order?size=large');
    const stored = mediate(['registry', 'get', `${scope}:${KEYS}/access_Token`, ...registryDir]).stdout;
    expect(`Bearer ${stored}`).toBe(bearer);
    const generated = Number(mediate(['registry', 'get', `${scope}:${KEYS}/generated_Time`, ...registryDir]).stdout);
    expect(Math.abs(Date.now() - generated)).toBeLessThan(60_000);

    const second = await run(file, registryDir);
    expect(second.code).toBe(0);
    expect(idp.tokenRequests).toBe(before + 1);
    expect(second.out.headers['Authorization']).toBe(bearer);

    put('generated_Time', String(Date.now() - 2 * 3600_000));
    const third = await run(file, registryDir);
    expect(third.code).toBe(0);
    expect(idp.tokenRequests).toBe(before + 2);
    expect(third.out.headers['Authorization']).not.toBe(bearer);
    expect(await backendStatus(third.out.headers['Authorization'])).toBe(200);
  });
});

test('without the sequence the backend refuses the request', async () => {
  expect(await backendStatus(undefined)).toBe(401);
});

test('the gov: variant on a read-only governance registry faults naming the key and suggesting local:', async () => {
  const file = prepare('oauth2-token-gov.xml');
  const config = mkdtempSync(join(dir, 'regional-'));
  expect(mediate(['registry', 'put', `gov:${KEYS}/access_Token`, ''], { cwd: config }).code).toBe(0);
  expect(mediate(['registry', 'put', `gov:${KEYS}/generated_Time`, '0'], { cwd: config }).code).toBe(0);
  writeFileSync(join(config, 'gateway.yaml'), 'registry:\n  governance: { readOnly: true }\n');
  const before = idp.tokenRequests;
  const r = await run(file, ['--config', config]);
  expect(r.code).toBe(3);
  expect(r.out.outcome).toBe('fault');
  expect(r.out.error!.message).toContain(`cannot write registry key "gov:${KEYS}/generated_Time"`);
  expect(r.out.error!.message).toContain(`"local:${KEYS}/generated_Time"`);
  // The token was fetched before the write failed; nothing was written.
  expect(idp.tokenRequests).toBe(before + 1);
  expect(mediate(['registry', 'get', `gov:${KEYS}/generated_Time`], { cwd: config }).stdout).toBe('0');
});
