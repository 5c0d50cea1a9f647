import { describe, expect, it } from 'vitest';
import { HeaderMap } from '../../../engine/message/headers.js';
import { Axis2, MessageContext, WRITABLE_SCOPES } from '../../../engine/message/message-context.js';
import { Payload } from '../../../engine/message/payload.js';
import { makeMessage, makeRuntime } from '../../support/runtime.js';

describe('MessageContext construction', () => {
  it('takes the content type from the headers into ContentType and messageType', () => {
    const mc = makeMessage({ contentType: 'application/json; charset=UTF-8', body: '{}' });
    expect(mc.axis2.get('ContentType')).toBe('application/json; charset=UTF-8');
    expect(mc.messageType).toBe('application/json');
  });

  it('records the HTTP method upper-cased and the To address', () => {
    const mc = makeMessage({ method: 'patch', to: '/orders/1?x=2' });
    expect(mc.axis2.get(Axis2.HTTP_METHOD)).toBe('PATCH');
    expect(mc.to).toBe('/orders/1?x=2');
  });

  it('starts as a request with a urn:uuid message id and an empty fault stack', () => {
    const mc = new MessageContext(makeRuntime());
    expect(mc.isResponse).toBe(false);
    expect(mc.messageId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(new MessageContext(makeRuntime()).messageId).not.toBe(mc.messageId);
    expect(mc.faultStack).toEqual([]);
    expect(mc.outcome).toBe('continue');
    expect(mc.to).toBeNull();
    expect(mc.messageType).toBeNull();
    expect(mc.payload.isEmpty).toBe(true);
  });

  it('prefers an explicit content type over the header', () => {
    const headers = HeaderMap.from({ 'Content-Type': 'text/plain' });
    const mc = new MessageContext(makeRuntime(), { headers, contentType: 'application/xml', payload: new Payload(Buffer.from('<a/>'), 'application/xml') });
    expect(mc.messageType).toBe('application/xml');
  });
});

describe('setProperty (reference §2.1, §1.4)', () => {
  it('knows the writable scopes', () => {
    expect([...WRITABLE_SCOPES]).toEqual(['default', 'transport', 'axis2', 'axis2-client', 'operation']);
  });

  it('default: setting null or undefined is a no-op, the old value survives', () => {
    const mc = makeMessage();
    mc.setProperty('default', 'p', 'old');
    mc.setProperty('default', 'p', null);
    expect(mc.getProperty('default', 'p')).toBe('old');
    mc.setProperty('default', 'p', undefined);
    expect(mc.getProperty('default', 'p')).toBe('old');
    mc.setProperty('default', 'q', null);
    expect(mc.properties.has('q')).toBe(false);
  });

  it('default: an empty string is a value', () => {
    const mc = makeMessage();
    mc.setProperty('default', 'p', 'old');
    mc.setProperty('default', 'p', '');
    expect(mc.getProperty('default', 'p')).toBe('');
  });

  it('default: only removeProperty deletes', () => {
    const mc = makeMessage();
    mc.setProperty('default', 'p', 'v');
    mc.removeProperty('default', 'p');
    expect(mc.properties.has('p')).toBe(false);
  });

  it('transport: stores a header, null as ""', () => {
    const mc = makeMessage();
    mc.setProperty('transport', 'X-A', 'v');
    expect(mc.headers.get('x-a')).toBe('v');
    mc.setProperty('transport', 'X-A', null);
    expect(mc.headers.has('X-A')).toBe(true);
    expect(mc.getProperty('transport', 'x-a')).toBe('');
    mc.setProperty('transport', 'X-B', undefined);
    expect(mc.getProperty('transport', 'X-B')).toBe('');
  });

  it('transport: stringifies values and is case-insensitive for reading and removing', () => {
    const mc = makeMessage();
    mc.setProperty('transport', 'X-Count', 5);
    expect(mc.getProperty('transport', 'x-count')).toBe('5');
    mc.removeProperty('transport', 'X-COUNT');
    expect(mc.headers.has('x-count')).toBe(false);
  });

  it('axis2: messageType also sets ContentType and the Content-Type header', () => {
    const mc = makeMessage({ contentType: 'application/xml', body: '<a/>' });
    mc.setProperty('axis2', 'messageType', 'application/json');
    expect(mc.messageType).toBe('application/json');
    expect(mc.axis2.get('ContentType')).toBe('application/json');
    expect(mc.headers.get('content-type')).toBe('application/json');
    expect([...mc.headers].filter(([name]) => name.toLowerCase() === 'content-type')).toHaveLength(1);
  });

  it('axis2: setMessageType does the same', () => {
    const mc = makeMessage();
    mc.setMessageType('text/xml');
    expect(mc.getProperty('axis2', 'messageType')).toBe('text/xml');
    expect(mc.getProperty('axis2', 'ContentType')).toBe('text/xml');
    expect(mc.getProperty('transport', 'Content-Type')).toBe('text/xml');
  });

  it('axis2: other names are stored as they are', () => {
    const mc = makeMessage();
    mc.setProperty('axis2', 'HTTP_SC', 404);
    expect(mc.getProperty('axis2', 'HTTP_SC')).toBe(404);
    mc.removeProperty('axis2', 'HTTP_SC');
    expect(mc.getProperty('axis2', 'HTTP_SC')).toBeUndefined();
  });

  it('axis2: TRANSPORT_HEADERS is the header map, and removing it clears the headers', () => {
    const mc = makeMessage({ headers: { 'X-A': '1' } });
    expect(mc.getProperty('axis2', 'TRANSPORT_HEADERS')).toBe(mc.headers);
    mc.removeProperty('axis2', 'TRANSPORT_HEADERS');
    expect(mc.headers.size).toBe(0);
  });

  it('axis2-client and operation have maps of their own', () => {
    const mc = makeMessage();
    mc.setProperty('axis2-client', 'p', 'client');
    mc.setProperty('operation', 'p', 'operation');
    mc.setProperty('default', 'p', 'default');
    expect(mc.getProperty('axis2-client', 'p')).toBe('client');
    expect(mc.getProperty('operation', 'p')).toBe('operation');
    expect(mc.getProperty('default', 'p')).toBe('default');
    mc.removeProperty('axis2-client', 'p');
    mc.removeProperty('operation', 'p');
    expect(mc.getProperty('axis2-client', 'p')).toBeUndefined();
    expect(mc.getProperty('operation', 'p')).toBeUndefined();
    expect(mc.getProperty('default', 'p')).toBe('default');
  });
});
