import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import httpAuth from 'http-auth';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from '../../engine/endpoint/http-client.js';
import { ErrorCode } from '../../engine/error-codes.js';
import { runFlow } from '../../engine/interpreter.js';
import type { Sequence } from '../../engine/sequence.js';
import { makeMessage, makeRuntime } from '../support/runtime.js';
import { loadText, run, SYNAPSE } from '../support/sequences.js';

const REALM = 'mediate-digest-test';
const USER = 'mufasa';
const PASSWORD = 'Circle of Life, 42';

type DigestOptions = Parameters<typeof httpAuth.digest>[0];

/**
 * A back end protected by http-auth's Digest implementation on 127.0.0.1. It counts the requests that came
 * without an Authorization header, which are the ones that cost a round trip to learn a challenge.
 */
class DigestBackend {
  requests = 0;
  unauthenticated = 0;
  /** The WWW-Authenticate values of the 401s sent. */
  readonly challenges: string[] = [];
  private listener!: (req: IncomingMessage, res: ServerResponse) => void;

  private constructor(
    private readonly server: Server,
    private readonly options: DigestOptions,
  ) {
    this.rotate();
  }

  static async start(options: Omit<DigestOptions, 'realm'> = {}): Promise<DigestBackend> {
    let backend!: DigestBackend;
    const server = createServer((req, res) => {
      backend.requests++;
      if (!req.headers.authorization) backend.unauthenticated++;
      res.on('finish', () => {
        const challenge = res.getHeader('www-authenticate');
        if (challenge !== undefined) backend.challenges.push(String(challenge));
      });
      backend.listener(req, res);
    });
    backend = new DigestBackend(server, { ...options, realm: REALM });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return backend;
  }

  /** A new http-auth instance: every nonce issued so far becomes unknown to the server, as after a restart. */
  rotate(): void {
    const ha1 = createHash('md5').update(`${USER}:${REALM}:${PASSWORD}`).digest('hex');
    const digest = httpAuth.digest({ ...this.options }, (username, callback) => callback(username === USER ? ha1 : undefined));
    this.listener = digest.check((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ user: req.user, path: req.url }));
    });
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function endpoint(backend: DigestBackend, password = PASSWORD, name = ''): string {
  return (
    `<endpoint${name ? ` name="${name}"` : ''}><http method="GET" uri-template="${backend.url('/secure/orders?id=7&amp;view=full')}">` +
    `<authentication><digestAuth><username>${USER}</username><password>${password}</password></digestAuth></authentication>` +
    `</http></endpoint>`
  );
}

const blockingCall = (backend: DigestBackend, password?: string): string =>
  `<sequence ${SYNAPSE} name="main"><call blocking="true">${endpoint(backend, password)}</call></sequence>`;

/** A named endpoint and a main sequence calling it `calls` times: all calls share one authenticator. */
const sharedEndpoint = (backend: DigestBackend, calls: number): string =>
  `<definitions ${SYNAPSE}>${endpoint(backend, PASSWORD, 'secured')}<sequence name="main">` +
  `${'<call blocking="true"><endpoint key="secured"/></call>'.repeat(calls)}</sequence></definitions>`;

describe('Digest authentication against http-auth', () => {
  let http: HttpClient;
  let backend: DigestBackend;

  beforeAll(() => {
    http = new HttpClient();
  });
  afterAll(async () => {
    await http.close();
  });
  afterEach(async () => {
    await backend?.close();
  });

  /** Loads `config` once and runs `messages` messages through its main sequence, as a gateway would. */
  async function runMessages(config: string, messages: number) {
    const { configuration } = loadText(config);
    const runtime = makeRuntime({ artifacts: configuration, http });
    const main = configuration.sequence('main') as Sequence;
    const results = [];
    for (let i = 0; i < messages; i++) {
      const mc = makeMessage({ runtime });
      results.push({ mc, result: await runFlow(mc, () => main.mediate(mc)) });
    }
    return results;
  }

  test('a blocking call gets 200 and the body', async () => {
    backend = await DigestBackend.start();
    const { mc, result } = await run(blockingCall(backend), {}, { http });
    expect(mc.fault).toBeUndefined();
    expect(result).toBe(true);
    expect(mc.payload.json()).toEqual({ user: USER, path: '/secure/orders?id=7&view=full' });
    expect(backend.requests).toBe(2);
    expect(backend.unauthenticated).toBe(1);
  });

  test('MD5-sess works too', async () => {
    backend = await DigestBackend.start({ algorithm: 'MD5-sess' });
    const { mc } = await run(blockingCall(backend), {}, { http });
    expect(mc.fault).toBeUndefined();
    expect(mc.payload.json()).toMatchObject({ user: USER });
  });

  test('a wrong password ends in 401, retried once, and the blocking call faults without showing the password', async () => {
    backend = await DigestBackend.start();
    const { mc, result, runtime } = await run(blockingCall(backend, 'not-the-password'), {}, { http });
    expect(result).toBe(false);
    expect(mc.outcome).toBe('fault');
    expect(Number(mc.properties.get('ERROR_CODE'))).toBe(ErrorCode.BLOCKING_SENDER_OPERATION_FAILED);
    expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('HTTP 401');
    expect(backend.requests).toBe(2);
    const visible = [String(mc.properties.get('ERROR_MESSAGE')), String(mc.properties.get('ERROR_DETAIL')), mc.fault?.stack, runtime.logger.text()].join('\n');
    expect(visible).not.toContain('not-the-password');
  });

  test('sequential calls in one message reuse the nonce: only the first request goes without credentials', async () => {
    backend = await DigestBackend.start();
    const { mc } = await run(sharedEndpoint(backend, 3), {}, { http });
    expect(mc.fault).toBeUndefined();
    expect(mc.payload.json()).toMatchObject({ user: USER });
    expect(backend.requests).toBe(4);
    expect(backend.unauthenticated).toBe(1);
  });

  test('messages after the first are authorized preemptively', async () => {
    backend = await DigestBackend.start();
    const results = await runMessages(sharedEndpoint(backend, 1), 5);
    expect(results.every((r) => r.result && r.mc.fault === undefined)).toBe(true);
    expect(backend.requests).toBe(6);
    expect(backend.unauthenticated).toBe(1);
  });

  test('a server that forgot its nonces answers stale=true, and one retry with the new nonce succeeds', async () => {
    backend = await DigestBackend.start();
    const { configuration } = loadText(sharedEndpoint(backend, 1));
    const runtime = makeRuntime({ artifacts: configuration, http });
    const main = configuration.sequence('main') as Sequence;
    const send = async () => {
      const mc = makeMessage({ runtime });
      await runFlow(mc, () => main.mediate(mc));
      return mc;
    };
    expect((await send()).fault).toBeUndefined();
    backend.rotate();
    const before = backend.requests;
    const mc = await send();
    expect(mc.fault).toBeUndefined();
    expect(mc.payload.json()).toMatchObject({ user: USER });
    expect(backend.requests - before).toBe(2);
    expect(backend.challenges.at(-1)).toMatch(/stale="true"/);
    // The new nonce is kept for the next message.
    expect((await send()).fault).toBeUndefined();
    expect(backend.requests - before).toBe(3);
    expect(backend.unauthenticated).toBe(1);
  });

  test('a server that offers Digest without qop is refused with ENDPOINT_AUTH_FAILURE, and the endpoint stays in service', async () => {
    backend = await DigestBackend.start({ qop: 'none' });
    const results = await runMessages(sharedEndpoint(backend, 1), 2);
    for (const { mc, result } of results) {
      expect(result).toBe(false);
      expect(Number(mc.properties.get('ERROR_CODE'))).toBe(ErrorCode.ENDPOINT_AUTH_FAILURE);
      expect(String(mc.properties.get('ERROR_MESSAGE'))).toContain('offers no qop');
    }
    // Not suspended: the second message reached the back end too.
    expect(backend.requests).toBe(2);
  });
});
