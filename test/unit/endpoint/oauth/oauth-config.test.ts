import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../../../engine/endpoint/endpoint.js';
import { OAuthAuthenticator } from '../../../../engine/endpoint/oauth/oauth-authenticator.js';
import type { OAuthConfig } from '../../../../engine/endpoint/oauth/oauth-config.js';
import { diagnose, loadText, SYNAPSE } from '../../../support/sequences.js';

const endpoint = (oauth: string) =>
  `<endpoint ${SYNAPSE} name="ep"><http uri-template="http://backend.test/x"><authentication><oauth>${oauth}</oauth></authentication></http></endpoint>`;
const cc = (children: string) => `<clientCredentials>${children}</clientCredentials>`;
const BASE = '<clientId>id</clientId><clientSecret>${env:OAUTH_CONFIG_TEST_SECRET}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>';

function configOf(text: string, file = 'test.xml'): OAuthConfig {
  const auth = (loadText(text, file).configuration.endpoint('ep') as Endpoint).settings.authenticator;
  expect(auth).toBeInstanceOf(OAuthAuthenticator);
  return (auth as OAuthAuthenticator).config;
}

/** The diagnostics of a configuration, without the file:line:col prefix. */
const problems = (text: string, file = 'test.xml') => diagnose(text, file).map((d) => d.replace(/^[^:]+:\d+:\d+: /, ''));

beforeEach(() => {
  process.env['OAUTH_CONFIG_TEST_SECRET'] = 's3cret';
});
afterEach(() => {
  delete process.env['OAUTH_CONFIG_TEST_SECRET'];
});

describe('<oauth> grants', () => {
  test('clientCredentials with the required children and Synapse defaults', () => {
    const c = configOf(endpoint(cc(BASE)));
    expect(c.grant).toBe('clientCredentials');
    expect(c.clientId).toEqual({ literal: 'id' });
    expect(c.clientSecret).toEqual({ literal: 's3cret' });
    expect(c.tokenUrl).toEqual({ literal: 'https://idp.test/token' });
    expect(c.authMode).toEqual({ literal: 'header' });
    expect(c.cache).toEqual({ defaultExpiresInS: 3000, maxExpiresInS: 86_400, backoffMinMs: 1000, backoffMaxMs: 5000 });
    expect(c.retryNonIdempotent).toBe(false);
    expect(c.failureHttpStatus).toBe(502);
    expect(diagnose(endpoint(cc(BASE)))).toEqual([]);
  });

  test('passwordCredentials needs username and password; authorizationCode needs refreshToken', () => {
    expect(problems(endpoint(`<passwordCredentials>${BASE}</passwordCredentials>`))).toEqual([
      '<passwordCredentials> needs <username>',
      '<passwordCredentials> needs <password>',
    ]);
    expect(problems(endpoint(`<authorizationCode>${BASE}</authorizationCode>`))).toEqual(['<authorizationCode> needs <refreshToken>']);
    const p = configOf(endpoint(`<passwordCredentials>${BASE}<username>alice</username><password>\${env:OAUTH_CONFIG_TEST_SECRET}</password></passwordCredentials>`));
    expect([p.grant, p.username, p.password]).toEqual(['passwordCredentials', { literal: 'alice' }, { literal: 's3cret' }]);
    const r = configOf(endpoint(`<authorizationCode>${BASE}<refreshToken>\${env:OAUTH_CONFIG_TEST_SECRET}</refreshToken></authorizationCode>`));
    expect([r.grant, r.refreshToken]).toEqual(['authorizationCode', { literal: 's3cret' }]);
  });

  test('each missing required child is named', () => {
    expect(problems(endpoint(cc('')))).toEqual([
      '<clientCredentials> needs <clientId>',
      '<clientCredentials> needs <clientSecret>',
      '<clientCredentials> needs <tokenUrl>',
    ]);
  });

  test('exactly one grant element', () => {
    expect(problems(endpoint(''))).toEqual([expect.stringContaining('<oauth> needs exactly one grant element')]);
    const two = problems(endpoint(cc(BASE) + `<authorizationCode>${BASE}<refreshToken>r</refreshToken></authorizationCode>`));
    expect(two).toEqual([expect.stringMatching(/<oauth> needs exactly one grant element .*not 2/)]);
    expect(problems(endpoint('<clientCredential/>'))).toEqual([
      expect.stringMatching(/<oauth> has no child <clientCredential>.*did you mean.*clientCredentials/i),
      expect.stringContaining('<oauth> needs exactly one grant element'),
    ]);
  });

  test('the error is at the element', () => {
    const [d] = diagnose(`<endpoint ${SYNAPSE} name="ep"><http uri-template="http://b.test/x">\n<authentication>\n  <oauth>\n    <clientCredentials>\n    </clientCredentials></oauth></authentication></http></endpoint>`);
    expect(d).toMatch(/^test\.xml:4:5: <clientCredentials> needs <clientId>$/);
  });
});

describe('<oauth> settings', () => {
  test('authMode payload; an unknown authMode is a load error', () => {
    expect(configOf(endpoint(cc(BASE + '<authMode>payload</authMode>'))).authMode).toEqual({ literal: 'payload' });
    expect(problems(endpoint(cc(BASE + '<authMode>body</authMode>')))).toEqual(['<authMode> must be header or payload, not "body"']);
  });

  test('requestParameters and customHeaders, literal or dynamic', () => {
    const c = configOf(
      endpoint(
        cc(
          BASE +
            '<requestParameters><parameter name="scope">read write</parameter><parameter name="audience">{$ctx:aud}</parameter></requestParameters>' +
            '<customHeaders><header name="X-Tenant">acme</header></customHeaders>',
        ),
      ),
    );
    expect(c.parameters[0]).toEqual({ name: 'scope', value: { literal: 'read write' } });
    expect(c.parameters[1]!.name).toBe('audience');
    expect('expression' in c.parameters[1]!.value).toBe(true);
    expect(c.headers).toEqual([{ name: 'X-Tenant', value: { literal: 'acme' } }]);
  });

  test('parameters the grant sets, and framing headers, are refused', () => {
    expect(problems(endpoint(cc(BASE + '<requestParameters><parameter name="grant_type">password</parameter></requestParameters>')))).toEqual([
      '"grant_type" cannot be a request parameter: the grant sets it',
    ]);
    expect(problems(endpoint(cc(BASE + '<customHeaders><header name="Content-Length">1</header></customHeaders>')))).toEqual([
      '"Content-Length" cannot be a custom header of the token request',
    ]);
    expect(problems(endpoint(cc(BASE + '<requestParameters><parameter>x</parameter></requestParameters>')))).toEqual([
      '<parameter> in <requestParameters> needs a name',
    ]);
  });

  test('timeouts, cache policy and the Mediate extensions', () => {
    const c = configOf(
      endpoint(
        cc(
          BASE +
            '<connectionTimeout>1500</connectionTimeout><socketTimeout>2500</socketTimeout>' +
            '<defaultExpiresIn>600</defaultExpiresIn><maxExpiresIn>3600</maxExpiresIn><failureBackoffMin>0</failureBackoffMin><failureBackoffMax>10</failureBackoffMax>' +
            '<retryNonIdempotent>true</retryNonIdempotent><failureHttpStatus>503</failureHttpStatus>',
        ),
      ),
    );
    expect([c.connectTimeoutMs, c.socketTimeoutMs]).toEqual([1500, 2500]);
    expect(c.cache).toEqual({ defaultExpiresInS: 600, maxExpiresInS: 3600, backoffMinMs: 0, backoffMaxMs: 10 });
    expect(c.retryNonIdempotent).toBe(true);
    expect(c.failureHttpStatus).toBe(503);
    expect(problems(endpoint(cc(BASE + '<socketTimeout>soon</socketTimeout>')))).toEqual(['<socketTimeout> must be a whole number of at least 1, not "soon"']);
    expect(problems(endpoint(cc(BASE + '<connectionTimeout>0</connectionTimeout>')))).toEqual(['<connectionTimeout> must be a whole number of at least 1, not "0"']);
    expect(problems(endpoint(cc(BASE + '<maxExpiresIn>-1</maxExpiresIn>')))).toEqual(['<maxExpiresIn> must be a whole number, not "-1"']);
    expect(problems(endpoint(cc(BASE + '<failureHttpStatus>500</failureHttpStatus>')))).toEqual(['<failureHttpStatus> must be 502 or 503, not 500']);
    expect(problems(endpoint(cc(BASE + '<failureBackoffMin>10</failureBackoffMin><failureBackoffMax>5</failureBackoffMax>')))).toEqual([
      '<failureBackoffMax> (5) is below <failureBackoffMin> (10)',
    ]);
  });

  test('useGlobalConnectionTimeoutConfigs keeps the defaults; connectionRequestTimeout and a global proxy are warned about', () => {
    const text = endpoint(cc(BASE + '<connectionTimeout>1</connectionTimeout><useGlobalConnectionTimeoutConfigs>true</useGlobalConnectionTimeoutConfigs><connectionRequestTimeout>5</connectionRequestTimeout><useGlobalProxyConfigs>true</useGlobalProxyConfigs>'));
    expect(configOf(text).connectTimeoutMs).toBe(10_000);
    expect(problems(text)).toEqual([
      expect.stringMatching(/^warning: Mediate has no global proxy settings/),
      expect.stringMatching(/^warning: <connectionRequestTimeout> is ignored/),
    ]);
  });

  test('proxyConfigs is refused rather than ignored', () => {
    expect(problems(endpoint(cc(BASE + '<proxyConfigs><proxyHost>p</proxyHost></proxyConfigs>')))).toEqual([
      '<proxyConfigs> is not supported: Mediate cannot send token requests through a proxy',
    ]);
  });

  test('unknown children: a warning in XML, with a suggestion', () => {
    expect(problems(endpoint(cc(BASE + '<clientSecrt>x</clientSecrt>')))).toEqual([expect.stringMatching(/^warning: <clientCredentials> has no child "clientSecrt".*clientSecret/)]);
    expect(problems(endpoint(cc(BASE + '<username>u</username>')))).toEqual(['warning: <username> belongs to <passwordCredentials>, not <clientCredentials>; it is ignored']);
  });

  test('a secret written inline is a warning (R9); references and expressions are not', () => {
    const inline = '<clientId>id</clientId><clientSecret>plain</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>';
    expect(problems(endpoint(cc(inline)))).toEqual([expect.stringMatching(/^warning: <clientSecret> is written in the configuration; keep secrets in \$\{env:NAME\}/)]);
    expect(problems(endpoint(cc(BASE)))).toEqual([]);
    expect(problems(endpoint(cc(inline.replace('plain', "{get-property('secret')}"))))).toEqual([]);
  });

  test('a reference that cannot be resolved is a load error naming the variable', () => {
    delete process.env['OAUTH_CONFIG_TEST_SECRET'];
    expect(problems(endpoint(cc(BASE)))).toEqual([expect.stringContaining('OAUTH_CONFIG_TEST_SECRET is not set')]);
  });

  test('values in braces are per-message expressions; a reference resolving to braces is still a literal', () => {
    process.env['OAUTH_CONFIG_TEST_SECRET'] = '{not-an-expression}';
    const c = configOf(endpoint(cc("<clientId>{get-property('cid')}</clientId><clientSecret>${env:OAUTH_CONFIG_TEST_SECRET}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>")));
    expect('expression' in c.clientId).toBe(true);
    expect(c.clientSecret).toEqual({ literal: '{not-an-expression}' });
    expect(problems(endpoint(cc('<clientId>{get-property(}</clientId><clientSecret>${env:OAUTH_CONFIG_TEST_SECRET}</clientSecret><tokenUrl>https://idp.test/token</tokenUrl>')))).toEqual([
      expect.stringMatching(/^<clientId>: /),
    ]);
  });

  test('tokenUrl: an absolute http(s) URL; an expression only with an allow-list (R10)', () => {
    expect(problems(endpoint(cc(BASE.replace('https://idp.test/token', 'idp.test/token'))))).toEqual(['<tokenUrl> must be an absolute http or https URL, not "idp.test/token"']);
    expect(problems(endpoint(cc(BASE.replace('https://idp.test/token', 'file:///etc/passwd'))))).toEqual([expect.stringContaining('<tokenUrl> must be an absolute http or https URL')]);
    const dynamic = BASE.replace('https://idp.test/token', "{get-property('idp')}");
    expect(problems(endpoint(cc(dynamic)))).toEqual([expect.stringMatching(/^<tokenUrl> is an expression: add <tokenUrlAllowList>/)]);
    const c = configOf(endpoint(cc(dynamic + '<tokenUrlAllowList>https://idp.test/ https://idp2.test/oauth/</tokenUrlAllowList>')));
    expect(c.tokenUrlAllowList).toEqual(['https://idp.test/', 'https://idp2.test/oauth/']);
  });
});

describe('YAML mirrors XML', () => {
  test('the same grant written in YAML compiles to the same configuration', () => {
    const yaml = [
      'endpoint:',
      '  name: ep',
      '  children:',
      '    - http:',
      '        uri-template: http://backend.test/x',
      '        authentication:',
      '          oauth:',
      '            clientCredentials:',
      '              clientId: id',
      '              clientSecret: ${env:OAUTH_CONFIG_TEST_SECRET}',
      '              tokenUrl: https://idp.test/token',
      '              authMode: payload',
      '              socketTimeout: 2500',
      '              requestParameters:',
      '                - parameter: { name: scope, text: read write }',
      '              customHeaders:',
      '                - header: { name: X-Tenant, text: acme }',
    ].join('\n');
    const xml = endpoint(
      cc(
        BASE +
          '<authMode>payload</authMode><socketTimeout>2500</socketTimeout><requestParameters><parameter name="scope">read write</parameter></requestParameters>' +
          '<customHeaders><header name="X-Tenant">acme</header></customHeaders>',
      ),
    );
    const { loc: _y, ...fromYaml } = configOf(yaml, 'test.yaml');
    const { loc: _x, ...fromXml } = configOf(xml);
    expect(fromYaml).toEqual(fromXml);
    expect(diagnose(yaml, 'test.yaml')).toEqual([]);
  });

  test('an unknown key is an error in YAML, with the missing child named', () => {
    const yaml = ['endpoint:', '  name: ep', '  children:', '    - http:', '        uri-template: http://backend.test/x', '        authentication:', '          oauth:', '            clientCredentials: { clientId: id, clientSecrt: x, tokenUrl: "https://idp.test/token" }'].join('\n');
    expect(problems(yaml, 'test.yaml')).toEqual([expect.stringMatching(/^<clientCredentials> has no child "clientSecrt"/), '<clientCredentials> needs <clientSecret>']);
  });
});
