import { describe, expect, test } from 'vitest';
import type { Endpoint } from '../../../../engine/endpoint/endpoint.js';
import { cacheKey, isStatic, resolveGrantRequest, type GrantRequest } from '../../../../engine/endpoint/oauth/grant-request.js';
import { OAuthAuthenticator } from '../../../../engine/endpoint/oauth/oauth-authenticator.js';
import type { OAuthConfig } from '../../../../engine/endpoint/oauth/oauth-config.js';
import { OAuthTokenError } from '../../../../engine/endpoint/oauth/oauth-error.js';
import { ErrorCode } from '../../../../engine/error-codes.js';
import { makeMessage } from '../../../support/runtime.js';
import { loadText, SYNAPSE } from '../../../support/sequences.js';

function configOf(grantChildren: string): OAuthConfig {
  const text = `<endpoint ${SYNAPSE} name="ep"><http uri-template="http://backend.test/x"><authentication><oauth><clientCredentials>${grantChildren}</clientCredentials></oauth></authentication></http></endpoint>`;
  return ((loadText(text).configuration.endpoint('ep') as Endpoint).settings.authenticator as OAuthAuthenticator).config;
}

const base: GrantRequest = {
  grant: 'clientCredentials',
  tokenUrl: new URL('https://idp.test/token'),
  clientId: 'client',
  clientSecret: 'secret',
  username: undefined,
  password: undefined,
  refreshToken: undefined,
  authMode: 'header',
  parameters: [['scope', 'read']],
  headers: [],
};

describe('cache key (backend-auth.md R7)', () => {
  test('changes with everything that decides the token', () => {
    const key = cacheKey(base);
    const variants: Array<Partial<GrantRequest>> = [
      { tokenUrl: new URL('https://idp.test/other') },
      { clientId: 'other' },
      { clientSecret: 'rotated' },
      { grant: 'passwordCredentials', username: 'alice', password: 'pw' },
      { parameters: [['scope', 'write']] },
      { parameters: [['scope', 'read'], ['audience', 'api']] },
      { parameters: [['scope', 'read'], ['resource', 'https://api.test']] },
    ];
    const keys = variants.map((v) => cacheKey({ ...base, ...v }));
    expect(new Set([key, ...keys]).size).toBe(variants.length + 1);
    expect(cacheKey({ ...base, grant: 'passwordCredentials', username: 'alice', password: 'pw' })).not.toBe(
      cacheKey({ ...base, grant: 'passwordCredentials', username: 'alice', password: 'other' }),
    );
  });

  test('does not change with how the token is asked for, nor with the order of parameters', () => {
    const key = cacheKey({ ...base, parameters: [['scope', 'read'], ['audience', 'api']] });
    expect(cacheKey({ ...base, parameters: [['audience', 'api'], ['scope', 'read']] })).toBe(key);
    expect(cacheKey({ ...base, parameters: [['audience', 'api'], ['scope', 'read']], authMode: 'payload', headers: [['X-Request-Id', '1']] })).toBe(key);
  });

  test('is a SHA-256 that reveals no secret', () => {
    const key = cacheKey({ ...base, clientSecret: 'hunter2' });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('per-message values', () => {
  test('a static configuration is recognised; an expression is evaluated per message', () => {
    expect(isStatic(configOf('<clientId>c</clientId><clientSecret>${env:PATH}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>'))).toBe(true);
    const config = configOf("<clientId>{get-property('tenant')}</clientId><clientSecret>${env:PATH}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>");
    expect(isStatic(config)).toBe(false);
    const a = resolveGrantRequest(config, makeMessage({ properties: { tenant: 'a' } }));
    const b = resolveGrantRequest(config, makeMessage({ properties: { tenant: 'b' } }));
    expect([a.clientId, b.clientId]).toEqual(['a', 'b']);
    expect(cacheKey(a)).not.toBe(cacheKey(b));
  });

  test('an empty required value fails the message with 303003, naming the setting', () => {
    const config = configOf("<clientId>{get-property('tenant')}</clientId><clientSecret>${env:PATH}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>");
    let error: unknown;
    try {
      resolveGrantRequest(config, makeMessage());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OAuthTokenError);
    expect((error as OAuthTokenError).errorCode).toBe(ErrorCode.ENDPOINT_AUTH_FAILURE);
    expect((error as OAuthTokenError).message).toBe('OAuth2 <clientCredentials>: <clientId> is empty for this message');
  });

  test('an expression tokenUrl must stay within the allow-list (R10)', () => {
    const config = configOf(
      "<clientId>c</clientId><clientSecret>${env:PATH}</clientSecret><tokenUrl>{get-property('idp')}</tokenUrl><tokenUrlAllowList>https://idp.test/</tokenUrlAllowList>",
    );
    expect(resolveGrantRequest(config, makeMessage({ properties: { idp: 'https://idp.test/t1' } })).tokenUrl.href).toBe('https://idp.test/t1');
    for (const idp of ['https://idp.test.evil.example/t', 'http://169.254.169.254/latest', 'https://idp.test:8443/t', 'http://idp.test/t', 'https://user@idp.test/t']) {
      expect(() => resolveGrantRequest(config, makeMessage({ properties: { idp } }))).toThrow(/which <tokenUrlAllowList> does not allow/);
    }
    expect(() => resolveGrantRequest(config, makeMessage({ properties: { idp: 'not a url' } }))).toThrow(/absolute http or https URL/);
  });

  test('a dynamic authMode must evaluate to header or payload', () => {
    const config = configOf("<clientId>c</clientId><clientSecret>${env:PATH}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl><authMode>{get-property('mode')}</authMode>");
    expect(resolveGrantRequest(config, makeMessage({ properties: { mode: 'payload' } })).authMode).toBe('payload');
    expect(() => resolveGrantRequest(config, makeMessage({ properties: { mode: 'x' } }))).toThrow(/<authMode> did not evaluate to header or payload/);
  });
});
