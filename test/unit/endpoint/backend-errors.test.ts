import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from '../../../engine/endpoint/http-client.js';
import { runFlow } from '../../../engine/interpreter.js';
import type { MessageContext } from '../../../engine/message/message-context.js';
import { stringOf } from '../../../engine/message/typed-value.js';
import type { Sequence } from '../../../engine/sequence.js';
import { makeMessage, makeRuntime, type MessageOptions } from '../../support/runtime.js';
import { loadText, SYNAPSE } from '../../support/sequences.js';
import { closedPort, RawBackend, rawResponse, RecordingBackend } from './recording-backend.js';

/**
 * Transport failures and their Synapse codes (reference §7.1-7.3, §5.2), against real sockets on 127.0.0.1:
 * each goes through `<call blocking="true">` into the onError sequence, which copies what it sees.
 */

let http: HttpClient;
beforeAll(() => {
  http = new HttpClient({ connectTimeoutMs: 2000 });
});
afterAll(async () => {
  await http.close();
});

/** A configuration whose main sequence calls `endpoint` and whose fault sequence records ERROR_CODE/ERROR_MESSAGE. */
function config(endpoint: string): string {
  return `<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error">
    <call blocking="true">${endpoint}</call>
    <property name="after-call" value="reached"/>
  </sequence>
  <sequence name="on-error">
    <property name="seen-code" expression="$ctx:ERROR_CODE"/>
    <property name="seen-message" expression="$ctx:ERROR_MESSAGE"/>
    <filter source="$ctx:ERROR_CODE" regex="1015\\d\\d">
      <property name="transport-error" value="yes"/>
    </filter>
  </sequence>
</definitions>`;
}

function address(uri: string, qos = '', name = 'backend'): string {
  return `<endpoint name="${name}"><address uri="${uri}">${qos}</address></endpoint>`;
}

/** Loads `text` once (so the endpoint's suspension state survives between messages) and returns a runner. */
function gateway(text: string, clock: { now: number } = { now: Date.now() }): (message?: MessageOptions) => Promise<MessageContext> {
  const { configuration } = loadText(text);
  const runtime = makeRuntime({ artifacts: configuration, http, now: () => clock.now });
  return async (message = {}) => {
    const mc = makeMessage({ ...message, runtime });
    const main = configuration.sequence('main') as Sequence;
    await runFlow(mc, () => main.mediate(mc));
    return mc;
  };
}

const seen = (mc: MessageContext) => ({
  code: stringOf(mc.properties.get('seen-code') ?? ''),
  message: stringOf(mc.properties.get('seen-message') ?? ''),
  afterCall: mc.properties.has('after-call'),
});

describe('transport failures reach the fault sequence with Synapse error codes (reference §7.2)', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  test('connection refused (a closed port) → 101503 "Error connecting to the back end"', async () => {
    const port = await closedPort();
    const mc = await gateway(config(address(`http://127.0.0.1:${port}/svc`)))();
    expect(seen(mc)).toMatchObject({ code: '101503', afterCall: false });
    expect(seen(mc).message).toMatch(/^Error connecting to the back end/);
    expect(mc.properties.get('transport-error')).toBe('yes');
    expect(mc.outcome).toBe('fault');
  });

  test('ERROR_CODE is stored as a number, compared as its decimal text (reference §7.1)', async () => {
    const port = await closedPort();
    const mc = await gateway(config(address(`http://127.0.0.1:${port}/svc`)))();
    const code = mc.properties.get('ERROR_CODE');
    expect(typeof code).not.toBe('string');
    expect(Number(stringOf(code))).toBe(101503);
  });

  test('an endpoint <timeout><duration> exceeded by a slow backend → 101504 "Send timeout"', async () => {
    const slow = await RecordingBackend.start((_req, res) => {
      const timer = setTimeout(() => res.writeHead(200).end('late'), 3000);
      res.on('close', () => clearTimeout(timer));
    });
    servers.push(slow);
    const started = Date.now();
    const mc = await gateway(config(address(slow.url('/svc'), '<timeout><duration>200</duration><responseAction>fault</responseAction></timeout>')))();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(seen(mc)).toMatchObject({ code: '101504', afterCall: false });
    expect(seen(mc).message).toMatch(/^Send timeout/);
    expect(slow.requests).toHaveLength(1);
  });

  test('a body that stops arriving counts against the same timeout → 101504', async () => {
    const stalls = await RecordingBackend.start((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('only part of it');
    });
    servers.push(stalls);
    const mc = await gateway(config(address(stalls.url('/svc'), '<timeout><duration>200</duration></timeout>')))();
    expect(seen(mc).code).toBe('101504');
  });

  test('the connection reset in the middle of the response (socket.destroy) → 101505', async () => {
    const resets = await RecordingBackend.start((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    servers.push(resets);
    const mc = await gateway(config(address(resets.url('/svc'))))();
    expect(seen(mc)).toMatchObject({ code: '101505', afterCall: false });
    expect(seen(mc).message).toMatch(/closed the connection/);
  });

  test('the connection closed before any response → 101505', async () => {
    const hangsUp = await RawBackend.start((socket) => socket.destroy());
    servers.push(hangsUp);
    const mc = await gateway(config(address(hangsUp.url('/svc'))))();
    expect(seen(mc).code).toBe('101505');
  });

  test('garbage bytes instead of HTTP → 101506', async () => {
    const garbage = await RawBackend.start((socket) => socket.end('\u0000\u0001this is not HTTP at all\r\n\r\n'));
    servers.push(garbage);
    const mc = await gateway(config(address(garbage.url('/svc'))))();
    expect(seen(mc)).toMatchObject({ code: '101506', afterCall: false });
  });

  test('a malformed status line → 101506', async () => {
    const garbage = await RawBackend.start((socket) => socket.end('HTTP/1.1 abc Nope\r\n\r\n'));
    servers.push(garbage);
    const mc = await gateway(config(address(garbage.url('/svc'))))();
    expect(seen(mc).code).toBe('101506');
  });

  test('without a fault sequence the flow ends in fault with the BackendError and a gateway status', async () => {
    const port = await closedPort();
    const { configuration } = loadText(`<sequence ${SYNAPSE} name="main"><call blocking="true">${address(`http://127.0.0.1:${port}/`)}</call></sequence>`);
    const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration, http }) });
    await runFlow(mc, () => (configuration.sequence('main') as Sequence).mediate(mc));
    expect(mc.outcome).toBe('fault');
    expect(mc.fault?.errorCode).toBe(101503);
    expect(mc.fault?.httpStatus).toBe(502);
  });
});

describe('endpoint suspension (reference §5.2, checklist 20)', () => {
  /** A raw backend that answers 200 or garbage (101506, not a timeout code) as `mode` says, counting connections. */
  let mode: 'ok' | 'garbage' | 'hang-up' = 'ok';
  let backend: RawBackend;
  beforeAll(async () => {
    backend = await RawBackend.start((socket: Socket) => {
      if (mode === 'ok') socket.end(rawResponse(200, '{"ok":true}', 'application/json'));
      else if (mode === 'garbage') socket.end('garbage\r\n\r\n');
      else socket.destroy();
    });
  });
  afterAll(async () => {
    await backend.close();
  });
  afterEach(() => {
    mode = 'ok';
    backend.connections = 0;
  });

  test('with Synapse defaults a failure suspends the endpoint: the next call fails fast with 303001 without contacting the backend', async () => {
    const clock = { now: 1_000_000 };
    const send = gateway(config(address(backend.url('/svc'))), clock);
    mode = 'garbage';
    expect(seen(await send()).code).toBe('101506');
    expect(backend.connections).toBe(1);

    mode = 'ok';
    const second = await send();
    expect(seen(second).code).toBe('303001');
    expect(seen(second).message).toBe('Currently , Address endpoint : [ Name : backend ] [ State : SUSPENDED ]');
    expect(backend.connections).toBe(1);
    expect(second.fault?.httpStatus).toBe(503);
  });

  test('the default suspension lasts 30 s, then the endpoint is tried again and a success makes it active', async () => {
    const clock = { now: 1_000_000 };
    const send = gateway(config(address(backend.url('/svc'))), clock);
    mode = 'garbage';
    await send();
    mode = 'ok';
    clock.now += 29_999;
    expect(seen(await send()).code).toBe('303001');
    clock.now += 1;
    const retried = await send();
    expect(seen(retried).code).toBe('');
    expect(retried.properties.get('after-call')).toBe('reached');
    expect(backend.connections).toBe(2);
  });

  test('an HTTP error status is an answer: it never suspends the endpoint', async () => {
    const errors = await RecordingBackend.start((_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom'));
    try {
      const send = gateway(config(address(errors.url('/svc'))));
      expect(seen(await send()).code).toBe('401002');
      expect(seen(await send()).code).toBe('401002');
      expect(errors.requests).toHaveLength(2);
    } finally {
      await errors.close();
    }
  });

  test('<suspendOnFailure><errorCodes>-1</errorCodes> disables suspension for ordinary errors', async () => {
    const send = gateway(config(address(backend.url('/svc'), '<suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>')));
    mode = 'garbage';
    expect(seen(await send()).code).toBe('101506');
    expect(seen(await send()).code).toBe('101506');
    expect(backend.connections).toBe(2);
  });

  test('<initialDuration>0</initialDuration> disables it too', async () => {
    const send = gateway(config(address(backend.url('/svc'), '<suspendOnFailure><initialDuration>0</initialDuration></suspendOnFailure>')));
    mode = 'garbage';
    expect(seen(await send()).code).toBe('101506');
    expect(seen(await send()).code).toBe('101506');
    expect(backend.connections).toBe(2);
  });

  test('only the listed error codes suspend', async () => {
    const send = gateway(config(address(backend.url('/svc'), '<suspendOnFailure><errorCodes>101503, 101504</errorCodes></suspendOnFailure>')));
    mode = 'garbage';
    await send();
    expect(seen(await send()).code).toBe('101506');
    expect(backend.connections).toBe(2);

    const listed = gateway(config(address(backend.url('/svc'), '<suspendOnFailure><errorCodes>101506</errorCodes></suspendOnFailure>')));
    await listed();
    expect(seen(await listed()).code).toBe('303001');
    expect(backend.connections).toBe(3);
  });

  test('⚠ errorCodes -1 alone does not cover timeout codes: a closed connection (101505) still suspends, as in Synapse', async () => {
    const send = gateway(config(address(backend.url('/svc'), '<suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure>')));
    mode = 'hang-up';
    expect(seen(await send()).code).toBe('101505');
    expect(seen(await send()).code).toBe('303001');
    expect(backend.connections).toBe(1);
  });

  test('the APIM neutralisation (both error lists -1, initialDuration 0) never suspends', async () => {
    const qos = `<markForSuspension><errorCodes>-1</errorCodes><retriesBeforeSuspension>0</retriesBeforeSuspension><retryDelay>0</retryDelay></markForSuspension>
      <suspendOnFailure><errorCodes>-1</errorCodes><initialDuration>0</initialDuration><progressionFactor>1.0</progressionFactor><maximumDuration>0</maximumDuration></suspendOnFailure>`;
    const send = gateway(config(address(backend.url('/svc'), qos)));
    mode = 'hang-up';
    await send();
    mode = 'garbage';
    await send();
    mode = 'ok';
    expect(seen(await send()).code).toBe('');
    expect(backend.connections).toBe(3);
  });

  test('progressionFactor grows consecutive suspensions up to maximumDuration; a success starts over', async () => {
    const clock = { now: 5_000_000 };
    const qos = '<suspendOnFailure><initialDuration>1000</initialDuration><progressionFactor>2</progressionFactor><maximumDuration>3000</maximumDuration></suspendOnFailure>';
    const send = gateway(config(address(backend.url('/svc'), qos)), clock);
    const codeAt = async (offset: number) => {
      clock.now += offset;
      return seen(await send()).code;
    };
    mode = 'garbage';
    expect(await codeAt(0)).toBe('101506'); // suspended 1000 ms
    expect(await codeAt(999)).toBe('303001');
    expect(await codeAt(1)).toBe('101506'); // suspended 2000 ms
    expect(await codeAt(1999)).toBe('303001');
    expect(await codeAt(1)).toBe('101506'); // 4000 ms capped at 3000 ms
    expect(await codeAt(2999)).toBe('303001');
    expect(await codeAt(1)).toBe('101506'); // still the maximum
    expect(await codeAt(2999)).toBe('303001');
    mode = 'ok';
    expect(await codeAt(1)).toBe('');
    mode = 'garbage';
    expect(await codeAt(0)).toBe('101506'); // back to 1000 ms
    expect(await codeAt(1000)).toBe('101506');
    expect(backend.connections).toBe(7);
  });

  test('markForSuspension: listed codes put the endpoint in TIMEOUT state; it is suspended after retriesBeforeSuspension more', async () => {
    const clock = { now: 9_000_000 };
    const qos = `<markForSuspension><errorCodes>101506</errorCodes><retriesBeforeSuspension>2</retriesBeforeSuspension></markForSuspension>
      <suspendOnFailure><initialDuration>10000</initialDuration></suspendOnFailure>`;
    const send = gateway(config(address(backend.url('/svc'), qos)), clock);
    mode = 'garbage';
    expect(seen(await send()).code).toBe('101506');
    expect(seen(await send()).code).toBe('101506');
    expect(seen(await send()).code).toBe('101506');
    const fourth = await send();
    expect(seen(fourth).code).toBe('303001');
    expect(seen(fourth).message).toMatch(/\[ State : SUSPENDED \]/);
    expect(backend.connections).toBe(3);
    clock.now += 10_000;
    mode = 'ok';
    expect(seen(await send()).code).toBe('');
  });

  test('markForSuspension retryDelay: a timed-out endpoint refuses messages until the delay has passed', async () => {
    const clock = { now: 7_000_000 };
    const qos = '<markForSuspension><errorCodes>101505</errorCodes><retriesBeforeSuspension>1</retriesBeforeSuspension><retryDelay>500</retryDelay></markForSuspension>';
    const send = gateway(config(address(backend.url('/svc'), qos)), clock);
    mode = 'hang-up';
    expect(seen(await send()).code).toBe('101505');
    const early = await send();
    expect(seen(early).code).toBe('303001');
    expect(seen(early).message).toMatch(/\[ State : TIMEOUT \]/);
    clock.now += 500;
    expect(seen(await send()).code).toBe('101505');
    expect(seen(await send()).message).toMatch(/\[ State : SUSPENDED \]/);
    expect(backend.connections).toBe(2);
  });

  test('markForSuspension without <errorCodes>: only 101504/101505 count as timeouts', async () => {
    const clock = { now: 3_000_000 };
    const qos = '<markForSuspension><retriesBeforeSuspension>1</retriesBeforeSuspension></markForSuspension><suspendOnFailure><errorCodes>101503</errorCodes></suspendOnFailure>';
    const send = gateway(config(address(backend.url('/svc'), qos)), clock);
    mode = 'hang-up';
    expect(seen(await send()).code).toBe('101505');
    expect(seen(await send()).code).toBe('101505');
    expect(seen(await send()).code).toBe('303001');
    mode = 'garbage';
    clock.now += 60_000;
    expect(seen(await send()).code).toBe('101506');
    expect(seen(await send()).code).toBe('101506');
    expect(backend.connections).toBe(4);
  });

  test('a request undici refuses (CR LF smuggled into ContentType) fails without contacting or suspending the endpoint', async () => {
    const text = `<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error">
    <property name="ContentType" scope="axis2" expression="$ctx:ct"/>
    <call blocking="true">${address(backend.url('/svc'))}</call>
  </sequence>
  <sequence name="on-error"><property name="seen-code" expression="$ctx:ERROR_CODE"/><property name="seen-message" expression="$ctx:ERROR_MESSAGE"/></sequence>
</definitions>`;
    const send = gateway(text);
    const bad = await send({ body: '{"a":1}', contentType: 'application/json', properties: { ct: 'application/json\r\nX-Injected: 1' } });
    expect(seen(bad).code).toBe('0');
    expect(seen(bad).message).toMatch(/is invalid/);
    expect(backend.connections).toBe(0);
    const good = await send({ body: '{"a":1}', contentType: 'application/json', properties: { ct: 'application/json' } });
    expect(seen(good).code).toBe('');
    expect(backend.connections).toBe(1);
  });

  test('an endpoint this gateway cannot send to (jms:) is a mediation error, not a suspension', async () => {
    const send = gateway(config(address('jms:/StockQuote?transport.jms.ConnectionFactoryJNDIName=QueueConnectionFactory')));
    const first = await send();
    expect(seen(first).code).toBe('0');
    expect(seen(first).message).toMatch(/only http and https endpoints are supported/);
    expect(seen(await send()).message).toMatch(/only http and https/);
  });

  test('suspension state belongs to the endpoint: a named endpoint referenced by key is shared by every call', async () => {
    const clock = { now: 1_000_000 };
    const text = `<definitions ${SYNAPSE}>
  ${address(backend.url('/svc'), '', 'shared')}
  <sequence name="main" onError="on-error">
    <filter source="$ctx:which" regex="a"><then><call blocking="true"><endpoint key="shared"/></call></then>
      <else><call blocking="true"><endpoint key="shared"/></call></else></filter>
  </sequence>
  <sequence name="on-error"><property name="seen-code" expression="$ctx:ERROR_CODE"/></sequence>
</definitions>`;
    const send = gateway(text, clock);
    mode = 'garbage';
    expect(seen(await send({ properties: { which: 'a' } })).code).toBe('101506');
    expect(seen(await send({ properties: { which: 'b' } })).code).toBe('303001');
    expect(backend.connections).toBe(1);
  });
});
