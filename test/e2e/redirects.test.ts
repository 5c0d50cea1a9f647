import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HttpClient } from '../../engine/endpoint/http-client.js';
import { run, seq } from '../support/sequences.js';

/** Backend redirects are not followed: following one could carry credentials to another origin. */
let server: Server;
let url: string;
let followed = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/elsewhere') {
      followed++;
      return res.writeHead(200).end('followed');
    }
    res.writeHead(302, { location: '/elsewhere' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('a 302 from the backend is the response, with its Location, and nothing follows it', async () => {
  const http = new HttpClient();
  const { mc } = await run(seq(`<call><endpoint><address uri="${url}/start"/></endpoint></call>`), { headers: { Authorization: 'Bearer secret' } }, { http });
  await http.close();
  expect(mc.axis2.get('HTTP_SC')).toBe(302);
  expect(mc.headers.get('location')).toBe('/elsewhere');
  expect(followed).toBe(0);
});
