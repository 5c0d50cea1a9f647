import { describe, expect, test } from 'vitest';
import { jsonFault } from '../../engine/gateway/faults.js';
import { isSecretName, isSecretPath, MASK, redactPayload, redactRecord, redactText, redactValue } from '../../engine/redact.js';

/**
 * The one redaction list (engine/redact.ts), which logs, traces, fault bodies and the admin API all go through
 * (docs/security.md). Generated credentials are in fuzz.test.ts; where it is applied, in the tests named there.
 */
describe('the central redaction list', () => {
  test.each([
    ['Authorization', true],
    ['Proxy-Authorization', true],
    ['Cookie', true],
    ['Set-Cookie', true],
    ['client_secret', true],
    ['clientSecret', true],
    ['password', true],
    ['access_token', true],
    ['refresh_token', true],
    ['X-Api-Key', true],
    ['api_key', true],
    ['client_assertion', true],
    ['private-key', true],
    ['credentials', true],
    ['token_type', false],
    ['tokenUrl', false],
    ['token_endpoint', false],
    ['Content-Type', false],
    ['X-Request-ID', false],
    ['grant_type', false],
  ])('%s is a secret: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  test('values: a credential keeps its scheme, a secret-named value is masked, others are kept', () => {
    expect(redactValue('X-Anything', 'Bearer eyJhbGciOi.x.y')).toBe(`Bearer ${MASK}`);
    expect(redactValue('password', 'hunter2')).toBe(MASK);
    expect(redactValue('password', '')).toBe('');
    expect(redactValue('Accept', 'application/json')).toBe('application/json');
    expect(redactRecord({ Authorization: 'Basic dXNlcjpwYXNz', 'X-Trace': 'abc' })).toEqual({ Authorization: `Basic ${MASK}`, 'X-Trace': 'abc' });
  });

  test('payloads: JSON members and form fields with secret names', () => {
    expect(JSON.parse(redactPayload('{"access_token":"t0k","token_type":"Bearer","expires_in":3600}'))).toEqual({ access_token: MASK, token_type: 'Bearer', expires_in: 3600 });
    expect(redactPayload('grant_type=client_credentials&client_secret=s3cr3t')).toBe(`grant_type=client_credentials&client_secret=${MASK}`);
    expect(redactPayload('<r><password>p</password><name>n</name></r>')).toBe(`<r><password>${MASK}</password><name>n</name></r>`);
  });

  test.each([
    ['Bearer abc.def', `Bearer ${MASK}`],
    ['call to http://user:pw@backend.test/x?access_token=abc&page=2 failed', `call to http://${MASK}@backend.test/x?access_token=${MASK}&page=2 failed`],
    ['{"access_token":"abc","token_type":"Bearer"}', `{"access_token":"${MASK}","token_type":"Bearer"}`],
    ['client_secret=s3cr3t&grant_type=client_credentials', `client_secret=${MASK}&grant_type=client_credentials`],
    ['password: hunter2', `password: ${MASK}`],
    ['Authorization: Basic dXNlcjpwYXNz', `Authorization: Basic ${MASK}`],
    ['OAuth2 token request to http://idp.test/token failed: cannot connect (ECONNREFUSED)', 'OAuth2 token request to http://idp.test/token failed: cannot connect (ECONNREFUSED)'],
    ['tokenUrl=http://idp.test/token', 'tokenUrl=http://idp.test/token'],
    ['Error connecting to the back end (http://127.0.0.1:8099): ECONNREFUSED', 'Error connecting to the back end (http://127.0.0.1:8099): ECONNREFUSED'],
  ])('free text: %j', (text, shown) => {
    expect(redactText(text)).toBe(shown);
  });

  test('registry paths: a secret-named last segment, or anything in a secret folder', () => {
    expect(isSecretPath('/api-backend-credentials/PizzaShackAPI/access_Token')).toBe(true);
    expect(isSecretPath('/api-backend-credentials/PizzaShackAPI/generated_Time')).toBe(false);
    expect(isSecretPath('/mediate/oauth2/tokens/3f2a', ['/mediate/oauth2/tokens'])).toBe(true);
    expect(isSecretPath('/mediate/oauth2/tokens-other/x', ['/mediate/oauth2/tokens'])).toBe(false);
  });
});

describe('the JSON fault a client reads', () => {
  test('only the first line of the description: never a stack trace', () => {
    const error = new TypeError('Cannot read properties of undefined');
    const fault = jsonFault(500, 0, String(error.stack));
    expect(fault.description).toBe('TypeError: Cannot read properties of undefined');
  });

  test('bounded, and through the redaction list', () => {
    expect(jsonFault(502, 101503, 'x'.repeat(5000)).description).toHaveLength(1025);
    expect(jsonFault(401, 401, 'refused: Authorization: Bearer abc.def.ghi').description).toBe(`refused: Authorization: Bearer ${MASK}`);
  });

  test('the API Manager shape', () => {
    expect(jsonFault(413, 413, 'too big')).toEqual({ code: '413', type: 'Status report', message: 'Payload Too Large', description: 'too big' });
    expect(jsonFault(501, 501, 'no').message).toBe('Not Implemented');
  });
});
