import { Agent } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Backend, call, configFolder, eventually, ServeProcess, sleep, SYNAPSE_NS } from './support/harness.js';

/** Graceful shutdown of `mediate serve`: SIGTERM lets requests in flight finish and refuses new connections. */

/** Whether a TCP connection to the URL's port is accepted. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe.each([
  ['an API-manager style API', (backend: string) => ({ 'apis/slow.yaml': `name: SlowAPI\ncontext: /slow\nversion: v1\nendpoint: { url: "${backend}" }\nresources:\n  - { path: /*, methods: [GET] }\n` })],
  [
    'a Synapse <api> with <send>',
    (backend: string) => ({
      'apis/slow.xml': `<api ${SYNAPSE_NS} name="SlowAPI" context="/slow/v1"><resource methods="GET" uri-template="/*"><inSequence><send><endpoint><address uri="${backend}"/></endpoint></send></inSequence></resource></api>`,
    }),
  ],
])('graceful shutdown (%s)', (_what, apiFiles) => {
  let backend: Backend;
  let folder: ReturnType<typeof configFolder>;
  let gateway: ServeProcess;

  beforeAll(async () => {
    backend = await Backend.start((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"slow":"done"}');
      }, 1500);
    });
    folder = configFolder({ 'gateway.yaml': 'http: { host: 127.0.0.1 }\nadmin: { password: pw }\n', ...apiFiles(backend.url) });
    gateway = await ServeProcess.start(folder.dir);
  });

  afterAll(async () => {
    await gateway?.stop();
    await backend?.close();
    folder?.remove();
  });

  test('a request in flight when SIGTERM arrives completes with 200; new connections are refused; exit 0', async () => {
    // A keep-alive client, as browsers and most HTTP libraries are: its idle connection must not hold the exit up.
    const agent = new Agent({ keepAlive: true });
    const inFlight = call(`${gateway.url}/slow/v1/wait`, { agent });
    await eventually(() => (backend.requests.length > 0 ? true : undefined), 5000, 'the backend receiving the request');
    gateway.child.kill('SIGTERM');
    await eventually(async () => ((await accepts(gateway.url)) ? undefined : true), 2000, 'the listener closing');
    expect(await accepts(gateway.url)).toBe(false);
    // Still in flight: the process has not gone away under it.
    expect(gateway.child.exitCode).toBeNull();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ slow: 'done' });

    const exit = await Promise.race([gateway.exited, sleep(5000).then(() => 'still running')]);
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await accepts(gateway.adminUrl)).toBe(false);
    expect(gateway.stderr).toMatch(/stopping: finishing requests in flight/);
  });
});
