import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { HttpClient } from '../../../engine/endpoint/http-client.js';
import { runFlow } from '../../../engine/interpreter.js';
import { stringOf } from '../../../engine/message/typed-value.js';
import type { Sequence } from '../../../engine/sequence.js';
import { makeMessage, makeRuntime, type MessageOptions } from '../../support/runtime.js';
import { diagnose, loadText, run as runConfig, seq, SYNAPSE } from '../../support/sequences.js';
import { closedPort, RecordingBackend } from '../endpoint/recording-backend.js';

/** `<send>` (reference §2.7, checklist 2 and 10) against a real backend on 127.0.0.1. */

let http: HttpClient;
let backend: RecordingBackend;
beforeAll(async () => {
  http = new HttpClient();
  backend = await RecordingBackend.start();
});
afterAll(async () => {
  await http.close();
  await backend.close();
});
beforeEach(() => {
  backend.requests.length = 0;
  backend.handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json', 'X-Backend': 'b' }).end('{"from":"backend"}');
});

const run = (config: string, message: MessageOptions = {}) => runConfig(config, message, { http });
const address = (path = '/svc') => `<endpoint><address uri="${backend.url(path)}"/></endpoint>`;
const json = (mc: { payload: { serialize(t: string | null): string | Buffer }; messageType: string | null }) => JSON.parse(String(mc.payload.serialize(mc.messageType)));

describe('send to an endpoint', () => {
  test('the response becomes the message and the flow ends with outcome respond', async () => {
    const { mc, result } = await run(seq(`<send>${address()}</send><property name="after" value="1"/>`), {
      body: '{"from":"client"}',
      contentType: 'application/json',
      headers: { 'X-Client': 'c' },
    });
    expect(result).toBe(false);
    expect(mc.properties.has('after')).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.isResponse).toBe(true);
    expect(json(mc)).toEqual({ from: 'backend' });
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('200');
    expect(mc.headers.get('X-Backend')).toBe('b');
    expect(mc.headers.has('X-Client')).toBe(false);
    expect(JSON.parse(backend.last.body)).toEqual({ from: 'client' });
    expect(backend.last.headers['x-client']).toBe('c');
  });

  test('send stops the enclosing sequences too', async () => {
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main"><sequence key="inner"/><property name="outer-after" value="1"/></sequence>
  <sequence name="inner"><filter xpath="true()"><send>${address()}</send></filter><property name="inner-after" value="1"/></sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.properties.has('inner-after')).toBe(false);
    expect(mc.properties.has('outer-after')).toBe(false);
    expect(mc.outcome).toBe('respond');
  });

  test('an HTTP error status is passed back to the client, not a fault', async () => {
    backend.handler = (_req, res) => res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"busy"}');
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error"><send>${address()}</send></sequence>
  <sequence name="on-error"><property name="fault-ran" value="1"/></sequence>
</definitions>`);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.has('fault-ran')).toBe(false);
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('503');
    expect(json(mc)).toEqual({ error: 'busy' });
  });

  test('REST_URL_POSTFIX is appended for address endpoints, not for http endpoints', async () => {
    const postfix = `<property name="REST_URL_POSTFIX" scope="axis2" value="/orders/3?x=1"/>`;
    await run(seq(`${postfix}<send>${address('/svc')}</send>`));
    expect(backend.last.url).toBe('/svc/orders/3?x=1');
    await run(seq(`${postfix}<send><endpoint><http method="get" uri-template="${backend.url('/orders/{uri.var.id}')}"/></endpoint></send>`), {
      properties: { 'uri.var.id': '3' },
    });
    expect(backend.last.url).toBe('/orders/3');
    expect(backend.last.method).toBe('GET');
  });

  test('send with no endpoint in a request goes to the To address', async () => {
    const { mc } = await run(seq(`<header name="To" value="${backend.url('/direct')}"/><send/>`), { body: '{"a":1}', contentType: 'application/json' });
    expect(backend.last.url).toBe('/direct');
    expect(mc.outcome).toBe('respond');
    expect(json(mc)).toEqual({ from: 'backend' });
  });

  test('send by key to a named endpoint', async () => {
    await run(`<definitions ${SYNAPSE}>
  <endpoint name="svc"><address uri="${backend.url('/named')}"/></endpoint>
  <sequence name="main"><send><endpoint key="svc"/></send></sequence>
</definitions>`);
    expect(backend.last.url).toBe('/named');
  });
});

describe('receive="seq" (reference §2.7)', () => {
  const definitions = (send: string) => `<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error">${send}<property name="main-after" value="1"/></sequence>
  <sequence name="handle-response">
    <property name="status-seen" expression="$axis2:HTTP_SC"/>
    <payloadFactory media-type="json"><format>{"wrapped":"$1"}</format><args><arg evaluator="json" expression="$.from"/></args></payloadFactory>
    <send/>
  </sequence>
  <sequence name="other-response"><property name="other" value="1"/></sequence>
  <sequence name="on-error"><property name="seen-message" expression="$ctx:ERROR_MESSAGE"/></sequence>
</definitions>`;

  test('the named sequence mediates the response; its <send/> answers the client', async () => {
    const { mc, result } = await run(definitions(`<send receive="handle-response">${address()}</send>`));
    expect(result).toBe(false);
    expect(mc.properties.has('main-after')).toBe(false);
    expect(stringOf(mc.properties.get('status-seen'))).toBe('200');
    expect(json(mc)).toEqual({ wrapped: 'backend' });
    expect(mc.outcome).toBe('respond');
    expect(mc.isResponse).toBe(true);
  });

  test('a dynamic receive {expr} is resolved per message', async () => {
    const { mc } = await run(definitions(`<send receive="{$ctx:handler}">${address()}</send>`), { properties: { handler: 'other-response' } });
    expect(mc.properties.get('other')).toBe('1');
    expect(json(mc)).toEqual({ from: 'backend' });
    expect(mc.outcome).toBe('respond');
  });

  test('a receive sequence that does not exist at run time is a fault', async () => {
    const { mc } = await run(definitions(`<send receive="{$ctx:handler}">${address()}</send>`), { properties: { handler: 'nope' } });
    expect(stringOf(mc.properties.get('seen-message'))).toBe('Sequence named "nope" cannot be found');
  });

  test('an undefined literal receive sequence is warned about at load time', () => {
    expect(diagnose(seq(`<send receive="missing">${address()}</send>`)).join('\n')).toMatch(/sequence "missing" is not defined/);
  });

  test('without receive, the flow owner\'s response path (an API out-flow) runs', async () => {
    const { configuration } = loadText(seq(`<send>${address()}</send>`));
    const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration, http }) });
    const seen: unknown[] = [];
    mc.onResponse = async (response) => {
      seen.push(response.isResponse, stringOf(response.axis2.get('HTTP_SC')));
    };
    const result = await runFlow(mc, () => (configuration.sequence('main') as Sequence).mediate(mc));
    expect(result).toBe(false);
    expect(seen).toEqual([true, '200']);
  });
});

describe('send with no endpoint answers the client', () => {
  test('in a response flow: the current message goes back, nothing is sent to a backend', async () => {
    const { configuration } = loadText(seq(`<property name="HTTP_SC" scope="axis2" value="201"/><send/><property name="after" value="1"/>`));
    const mc = makeMessage({ runtime: makeRuntime({ artifacts: configuration, http }), body: '{"r":1}', contentType: 'application/json' });
    mc.isResponse = true;
    const result = await runFlow(mc, () => (configuration.sequence('main') as Sequence).mediate(mc));
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.properties.has('after')).toBe(false);
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('201');
    expect(backend.requests).toHaveLength(0);
  });

  test('in a request flow with RESPONSE=true (the fault-sequence idiom)', async () => {
    const { mc, result } = await run(seq(`<property name="RESPONSE" value="true"/><header name="To" action="remove"/><send/>`), {
      body: '{"r":1}',
      contentType: 'application/json',
      to: backend.url('/must-not-be-called'),
    });
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(mc.isResponse).toBe(true);
    expect(json(mc)).toEqual({ r: 1 });
    expect(backend.requests).toHaveLength(0);
  });

  test('RESPONSE=true with an absolute To still answers the client, not the To address', async () => {
    const { mc } = await run(seq(`<property name="RESPONSE" value="true"/><send/>`), { to: backend.url('/must-not-be-called') });
    expect(mc.outcome).toBe('respond');
    expect(backend.requests).toHaveLength(0);
  });
});

describe('send failures reach the fault flow (reference §7.1)', () => {
  test('connection refused: onError sees 101503 and answers the client with the convert.xml idiom', async () => {
    const port = await closedPort();
    const { mc, result } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error"><send><endpoint><address uri="http://127.0.0.1:${port}/svc"/></endpoint></send></sequence>
  <sequence name="on-error">
    <payloadFactory media-type="json"><format>{"code":$1,"message":"$2"}</format>
      <args><arg expression="$ctx:ERROR_CODE"/><arg expression="$ctx:ERROR_MESSAGE"/></args></payloadFactory>
    <property name="RESPONSE" value="true"/>
    <header name="To" action="remove"/>
    <property name="HTTP_SC" scope="axis2" value="503"/>
    <send/>
    <drop/>
  </sequence>
</definitions>`);
    expect(result).toBe(false);
    expect(mc.outcome).toBe('respond');
    expect(stringOf(mc.axis2.get('HTTP_SC'))).toBe('503');
    const body = json(mc);
    expect(body.code).toBe(101503);
    expect(body.message).toMatch(/^Error connecting to the back end/);
  });

  test('without a fault sequence the flow ends in fault', async () => {
    const port = await closedPort();
    const { mc } = await run(seq(`<send><endpoint><address uri="http://127.0.0.1:${port}/svc"/></endpoint></send>`));
    expect(mc.outcome).toBe('fault');
    expect(mc.fault?.errorCode).toBe(101503);
  });

  test('a failure in the receive sequence reaches the fault flow too', async () => {
    const { mc } = await run(`<definitions ${SYNAPSE}>
  <sequence name="main" onError="on-error"><send receive="bad">${address()}</send></sequence>
  <sequence name="bad"><sequence key="does-not-exist"/></sequence>
  <sequence name="on-error"><property name="seen-message" expression="$ctx:ERROR_MESSAGE"/></sequence>
</definitions>`);
    expect(stringOf(mc.properties.get('seen-message'))).toMatch(/does-not-exist/);
  });
});
