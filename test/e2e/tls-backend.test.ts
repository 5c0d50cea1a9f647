import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from '../../engine/endpoint/http-client.js';
import { run, seq } from '../support/sequences.js';

/**
 * HTTPS backends: certificates are verified by default, a configured CA file makes a private CA trusted, and
 * only the explicit insecure switch accepts anything. The certificate is made for the test with openssl.
 */
const dir = mkdtempSync(join(tmpdir(), 'mediate-tls-'));
let server: Server;
let url: string;

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"secure":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function callWith(http: HttpClient) {
  try {
    return await run(
      seq(`<call blocking="true"><endpoint><http method="get" uri-template="${url}/x"><suspendOnFailure><errorCodes>-1</errorCodes><initialDuration>0</initialDuration></suspendOnFailure></http></endpoint></call>`),
      {},
      { http },
    );
  } finally {
    await http.close();
  }
}

describe('HTTPS backends', () => {
  test('a certificate no trusted CA signed is refused by default: the call faults', async () => {
    const { mc } = await callWith(new HttpClient());
    expect(mc.outcome).toBe('fault');
    expect(mc.fault!.message).toMatch(/self.signed|certificate/i);
  });

  test('with its CA configured (backends.caFile) the backend is trusted', async () => {
    const { mc } = await callWith(new HttpClient({ caFile: join(dir, 'cert.pem') }));
    expect(mc.fault).toBeUndefined();
    expect(mc.payload.text()).toBe('{"secure":true}');
  });

  test('the explicit insecure switch accepts it', async () => {
    const { mc } = await callWith(new HttpClient({ insecure: true }));
    expect(mc.axis2.get('HTTP_SC')).toBe(200);
  });
});
