import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dispatch, orderApis, type Api, type Dispatch, type DispatchRequest } from '../../../engine/api/api.js';
import { ConfigLoader } from '../../../engine/loader/loader.js';
import { builtinMediators } from '../../../mediators/index.js';
import { call, configFolder, InProcessGateway, SYNAPSE_NS } from '../../e2e/support/harness.js';
import { loadText, SYNAPSE } from '../../support/sequences.js';

/** The APIs of a <definitions> body, in dispatch order. */
function apis(xml: string): Api[] {
  const { configuration } = loadText(`<definitions ${SYNAPSE}>${xml}</definitions>`);
  return orderApis([...configuration.apis.values()].map((a) => a.value));
}

function request(method: string, pathWithQuery: string, extra: Partial<DispatchRequest> = {}): DispatchRequest {
  return { method, pathWithQuery, host: '127.0.0.1:8280', protocol: 'http', contentType: undefined, userAgent: undefined, hasBody: false, ...extra };
}

/** "API:pattern" of the selected resource, or the kind of the non-match with its status. */
function where(d: Dispatch): string {
  switch (d.kind) {
    case 'resource':
      return `${d.api.name}:${d.resource.pattern || 'default'}`;
    case 'no-resource':
      return `${d.api.name}:${d.status}`;
    case 'options':
      return `${d.api.name}:OPTIONS ${d.allow.join(',')}`;
    case 'no-api':
      return 'no-api';
  }
}

const to = (list: Api[], method: string, path: string, extra: Partial<DispatchRequest> = {}) => where(dispatch(list, request(method, path, extra)));

describe('API selection: context and version (reference §6.3 step 2)', () => {
  const list = apis(`
    <api name="Root" context="/"><resource/></api>
    <api name="Plain" context="/plain"><resource/></api>
    <api name="Url" context="/url" version="v1" version-type="url"><resource/></api>
    <api name="Ctx" context="/ctx/{version}" version="2.0" version-type="context"><resource/></api>
    <api name="ShopAll" context="/shop"><resource/></api>
    <api name="ShopV1" context="/shop" version="v1" version-type="url"><resource/></api>`);

  test('an unversioned API is served at its context, on a segment boundary', () => {
    expect(to(list, 'GET', '/plain')).toBe('Plain:default');
    expect(to(list, 'GET', '/plain/a/b?x=1')).toBe('Plain:default');
    expect(to(list, 'GET', '/plain?x=1')).toBe('Plain:default');
    expect(to(list, 'GET', '/plainly')).toBe('Root:default');
  });

  test('the url strategy needs the version segment right after the context', () => {
    expect(to(list, 'GET', '/url/v1/items')).toBe('Url:default');
    expect(to(list, 'GET', '/url/v1')).toBe('Url:default');
    expect(to(list, 'GET', '/url/v2/items')).toBe('Root:default');
    expect(to(list, 'GET', '/url/items')).toBe('Root:default');
  });

  test('the context strategy puts the version into the context', () => {
    expect(to(list, 'GET', '/ctx/2.0/items')).toBe('Ctx:default');
    expect(to(list, 'GET', '/ctx/3.0/items')).toBe('Root:default');
    const ctx = list.find((a) => a.name === 'Ctx')!;
    expect(ctx.context).toBe('/ctx/2.0');
    expect(ctx.runtimeName).toBe('Ctx:v2.0');
  });

  test('versioned APIs are tried before unversioned ones, whatever the file order', () => {
    expect(to(list, 'GET', '/shop/v1/items')).toBe('ShopV1:default');
    expect(to(list, 'GET', '/shop/items')).toBe('ShopAll:default');
  });

  test('the API with context / comes last and takes whatever nothing else took', () => {
    expect(list[list.length - 1]!.name).toBe('Root');
    expect(to(list, 'GET', '/')).toBe('Root:default');
    expect(to(list, 'POST', '/anything/else')).toBe('Root:default');
  });

  test('with no API for the path, dispatch says so', () => {
    const only = apis(`<api name="A" context="/a"><resource/></api>`);
    expect(to(only, 'GET', '/b')).toBe('no-api');
  });
});

describe('REST_URL_POSTFIX (reference §6.3 step 3)', () => {
  const list = apis(`
    <api name="Plain" context="/plain"><resource/></api>
    <api name="Url" context="/url" version="v1" version-type="url"><resource/></api>`);
  const postfix = (path: string) => {
    const d = dispatch(list, request('GET', path));
    return d.kind === 'resource' ? d.postfix : undefined;
  };

  test('is the path after the context, with the query', () => {
    expect(postfix('/plain/menu?x=1&y=%20')).toBe('/menu?x=1&y=%20');
    expect(postfix('/plain?x=1')).toBe('?x=1');
    expect(postfix('/plain')).toBe('');
  });

  test('leaves out the version of the url strategy', () => {
    expect(postfix('/url/v1/menu?x=1')).toBe('/menu?x=1');
  });
});

describe('host and port (reference §6.1)', () => {
  const list = apis(`
    <api name="HostPort" context="/hp" hostname="api.example.com" port="8443"><resource/></api>
    <api name="HostOnly" context="/h" hostname="api.example.com"><resource/></api>
    <api name="PortOnly" context="/p" port="80"><resource/></api>`);

  test('the Host header must name the host, and the port (or the transport default)', () => {
    expect(to(list, 'GET', '/hp/x', { host: 'api.example.com:8443' })).toBe('HostPort:default');
    expect(to(list, 'GET', '/hp/x', { host: 'api.example.com:8444' })).toBe('no-api');
    expect(to(list, 'GET', '/hp/x', { host: 'other.example.com:8443' })).toBe('no-api');
    expect(to(list, 'GET', '/hp/x', { host: 'api.example.com' })).toBe('no-api');
    expect(to(list, 'GET', '/hp/x', { host: 'api.example.com', protocol: 'https' })).toBe('no-api');
  });

  test('with only a hostname, any port will do', () => {
    expect(to(list, 'GET', '/h/x', { host: 'api.example.com:1234' })).toBe('HostOnly:default');
    expect(to(list, 'GET', '/h/x', { host: 'api.example.com' })).toBe('HostOnly:default');
  });

  test('with only a port, a Host without one means the transport default', () => {
    expect(to(list, 'GET', '/p/x', { host: 'anything' })).toBe('PortOnly:default');
    expect(to(list, 'GET', '/p/x', { host: 'anything:8080' })).toBe('no-api');
  });

  test('no Host header, no match', () => {
    expect(to(list, 'GET', '/h/x', { host: undefined })).toBe('no-api');
  });
});

describe('resource selection (reference §6.3 steps 5-7)', () => {
  const list = apis(`
    <api name="R" context="/r">
      <resource methods="GET" url-mapping="/items/*"/>
      <resource methods="GET" url-mapping="/items/special/*"/>
      <resource methods="GET" url-mapping="/items/special"/>
      <resource methods="GET" url-mapping="*.json"/>
      <resource methods="GET" uri-template="/items/{id}"/>
      <resource methods="GET" uri-template="/orders/{id}"/>
      <resource methods="GET" uri-template="/orders/latest"/>
      <resource methods="POST PUT" uri-template="/orders"/>
      <resource methods="GET"/>
    </api>`);

  test('an exact url-mapping wins over prefixes and templates', () => {
    expect(to(list, 'GET', '/r/items/special')).toBe('R:/items/special');
    expect(to(list, 'GET', '/r/items/special/')).toBe('R:/items/special');
  });

  test('the longest url-mapping prefix wins', () => {
    expect(to(list, 'GET', '/r/items/special/x')).toBe('R:/items/special/*');
    expect(to(list, 'GET', '/r/items/other')).toBe('R:/items/*');
  });

  test('url-mappings are tried before uri-templates', () => {
    // /items/{id} would match, but the prefix mapping /items/* is tried first.
    expect(to(list, 'GET', '/r/items/7')).toBe('R:/items/*');
  });

  test('an extension mapping comes after prefixes', () => {
    expect(to(list, 'GET', '/r/menu.json')).toBe('R:*.json');
    expect(to(list, 'GET', '/r/items/menu.json')).toBe('R:/items/*');
  });

  test('uri-templates are tried in declaration order, first match wins', () => {
    expect(to(list, 'GET', '/r/orders/latest')).toBe('R:/orders/{id}');
    const d = dispatch(list, request('GET', '/r/orders/42?view=full'));
    expect(d.kind === 'resource' && d.variables).toEqual({ id: '42' });
  });

  test('the default resource takes what no mapping took', () => {
    expect(to(list, 'GET', '/r/elsewhere')).toBe('R:default');
  });

  test('/* and an extension: the prefix wins whatever the order', () => {
    const tie = apis(`<api name="T" context="/t"><resource url-mapping="*.json"/><resource url-mapping="/*"/></api>`);
    expect(to(tie, 'GET', '/t/a.json')).toBe('T:/*');
  });
});

describe('no acceptable resource: 404, 405, 400 (reference §6.3 step 7, §7.4)', () => {
  const list = apis(`
    <api name="S" context="/s">
      <resource methods="GET" uri-template="/menu"/>
      <resource methods="POST" uri-template="/order" content-type="application/json"/>
      <resource methods="GET" uri-template="/agent" user-agent="curl/.*"/>
      <resource methods="GET" uri-template="/secure" protocol="https"/>
    </api>`);

  test('no resource for the path is 404', () => {
    expect(to(list, 'GET', '/s/nothing')).toBe('S:404');
  });

  test('a resource for the path without the method is 405', () => {
    expect(to(list, 'DELETE', '/s/menu')).toBe('S:405');
    expect(to(list, 'GET', '/s/order')).toBe('S:405');
  });

  test('path and method match but another filter refuses: 400', () => {
    expect(to(list, 'POST', '/s/order', { hasBody: true, contentType: 'text/plain' })).toBe('S:400');
    expect(to(list, 'POST', '/s/order', { hasBody: true, contentType: 'application/json; charset=utf-8' })).toBe('S:/order');
    // Without a body the content type is not checked.
    expect(to(list, 'POST', '/s/order')).toBe('S:/order');
    expect(to(list, 'GET', '/s/agent', { userAgent: 'Mozilla/5.0' })).toBe('S:400');
    expect(to(list, 'GET', '/s/agent', { userAgent: 'curl/8.5.0' })).toBe('S:/agent');
    expect(to(list, 'GET', '/s/secure')).toBe('S:400');
    expect(to(list, 'GET', '/s/secure', { protocol: 'https' })).toBe('S:/secure');
  });

  test('OPTIONS on a resource that does not list it answers with Allow', () => {
    expect(to(list, 'OPTIONS', '/s/menu')).toBe('S:OPTIONS GET,OPTIONS');
    expect(to(list, 'OPTIONS', '/s/nothing')).toBe('S:404');
  });

  test('a resource that lists OPTIONS, or lists no methods, gets the OPTIONS request itself', () => {
    const own = apis(`<api name="O" context="/o"><resource methods="GET OPTIONS" uri-template="/a"/><resource uri-template="/b"/></api>`);
    expect(to(own, 'OPTIONS', '/o/a')).toBe('O:/a');
    expect(to(own, 'OPTIONS', '/o/b')).toBe('O:/b');
  });

  test('HEAD is served by a resource that allows GET', () => {
    expect(to(list, 'HEAD', '/s/menu')).toBe('S:/menu');
    expect(to(list, 'HEAD', '/s/order')).toBe('S:405');
  });
});

describe('API-manager style APIs dispatch the same way (design.md §8)', () => {
  let dir: string;
  let list: Api[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mediate-dispatch-'));
    mkdirSync(join(dir, 'apis'));
    writeFileSync(
      join(dir, 'apis/pizza.yaml'),
      [
        'name: PizzaShackAPI',
        'context: /pizzashack',
        'version: 1.0.0',
        'endpoint: { url: "http://127.0.0.1:9/pizzashack/1.0.0" }',
        'resources:',
        '  - { path: /menu, methods: [GET] }',
        '  - { path: "/order/{orderId}", methods: [GET, PUT] }',
        '  - { path: /order, methods: [POST] }',
        '',
      ].join('\n'),
    );
    const { configuration, diagnostics } = new ConfigLoader(builtinMediators()).loadFolder(dir);
    expect(diagnostics.errors).toEqual([]);
    list = orderApis([...configuration.apis.values()].map((a) => a.value));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('served at context/version with the context strategy', () => {
    expect(list[0]!.context).toBe('/pizzashack/1.0.0');
    expect(list[0]!.runtimeName).toBe('PizzaShackAPI:v1.0.0');
    expect(to(list, 'GET', '/pizzashack/1.0.0/menu')).toBe('PizzaShackAPI:/menu');
    expect(to(list, 'GET', '/pizzashack/menu')).toBe('no-api');
  });

  test('templates, trailing slash, 404 and 405', () => {
    const d = dispatch(list, request('PUT', '/pizzashack/1.0.0/order/17?express=1'));
    expect(d.kind === 'resource' && [d.resource.pattern, d.variables, d.postfix]).toEqual(['/order/{orderId}', { orderId: '17' }, '/order/17?express=1']);
    expect(to(list, 'POST', '/pizzashack/1.0.0/order/')).toBe('PizzaShackAPI:/order');
    expect(to(list, 'GET', '/pizzashack/1.0.0/order/')).toBe('PizzaShackAPI:405');
    expect(to(list, 'GET', '/pizzashack/1.0.0/drinks')).toBe('PizzaShackAPI:404');
    expect(to(list, 'DELETE', '/pizzashack/1.0.0/menu')).toBe('PizzaShackAPI:405');
  });
});

describe('over HTTP', () => {
  let gateway: InProcessGateway;
  let folder: ReturnType<typeof configFolder>;
  beforeAll(async () => {
    folder = configFolder({
      'apis/shop.xml': `<api ${SYNAPSE_NS} name="Shop" context="/shop">
  <resource methods="GET" uri-template="/menu">
    <inSequence>
      <payloadFactory media-type="json"><format>{"menu":["margherita"]}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST" uri-template="/order" content-type="application/json">
    <inSequence><respond/></inSequence>
  </resource>
</api>`,
    });
    gateway = await InProcessGateway.start(folder.dir);
  });
  afterAll(async () => {
    await gateway?.close();
    folder?.remove();
  });

  test('OPTIONS answers 200 with an Allow header and no body', async () => {
    const r = await call(`${gateway.url}/shop/menu`, { method: 'OPTIONS' });
    expect(r.status).toBe(200);
    expect(r.headers['allow']).toBe('GET, OPTIONS');
    expect(r.body).toBe('');
  });

  test('HEAD runs the GET resource and answers without a body', async () => {
    const get = await call(`${gateway.url}/shop/menu`);
    const head = await call(`${gateway.url}/shop/menu`, { method: 'HEAD' });
    expect(get.status).toBe(200);
    expect(get.json()).toEqual({ menu: ['margherita'] });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
  });

  test.each([
    ['GET', '/shop/nothing', {}, 404],
    ['DELETE', '/shop/menu', {}, 405],
    ['POST', '/shop/order', { 'content-type': 'text/plain' }, 400],
  ] as const)('%s %s is %i with the JSON fault shape', async (method, path, headers, status) => {
    const r = await call(`${gateway.url}${path}`, { method, headers, body: method === 'POST' ? 'hello' : undefined });
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(Object.keys(r.json()).sort()).toEqual(['code', 'description', 'message', 'type']);
    expect(r.json().code).toBe(String(status));
  });

  test('a path outside every API is 404 too', async () => {
    const r = await call(`${gateway.url}/nowhere`);
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ code: '404', type: 'Status report', message: 'Not Found' });
  });
});
