import { afterAll, beforeAll, expect, test } from 'vitest';
import { join } from 'node:path';
import { mediate } from '../support/cli.js';
import { Backend, call, configFolder, InProcessGateway } from './support/harness.js';

/** A user's mediator, named in gateway.yaml `plugins`, is loaded and used exactly like a built-in one. */
let backend: Backend;
let gateway: InProcessGateway;
let dir: string;

const PLUGIN = `
/** <stamp header="X-Stamp" value="..."/>: sets a header; a plug-in as docs/mediators.md describes. */
export const stamp = {
  name: 'stamp',
  attributes: { header: { required: true }, value: { required: true } },
  compile(node, cx) {
    const header = node.attr('header');
    const value = node.attr('value');
    return { name: 'stamp', loc: node.loc, mediate(mc) { mc.headers.set(header, value); return true; } };
  },
};
`;

beforeAll(async () => {
  backend = await Backend.start();
  const folder = configFolder({
    'gateway.yaml': 'plugins: [ ./mediators/stamp.mjs ]\n',
    'mediators/stamp.mjs': PLUGIN,
    'sequences/in.xml': '<sequence xmlns="http://ws.apache.org/ns/synapse" name="stamped"><stamp header="X-Stamp" value="plugged"/></sequence>',
    'apis/api.yaml': `name: P\ncontext: /p\nversion: "1"\nendpoint: { url: "${backend.url}" }\nresources:\n  - { path: /*, methods: [GET] }\nflows: { in: stamped }\n`,
  });
  dir = folder.dir;
  gateway = await InProcessGateway.start(folder.dir);
});

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
});

test('the plug-in mediator runs in the in-flow', async () => {
  expect((await call(`${gateway.url}/p/1/x`)).status).toBe(200);
  expect(backend.requests[backend.requests.length - 1]!.headers['x-stamp']).toBe('plugged');
});

test('validate and run know the plug-ins of the config folder they are given', () => {
  expect(mediate(['validate', dir])).toMatchObject({ code: 0, stderr: '' });
  const r = mediate(['run', join(dir, 'sequences/in.xml'), '--config', dir]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).headers['X-Stamp']).toBe('plugged');
  expect(mediate(['validate', join(dir, 'sequences/in.xml')]).stderr).toContain('unknown mediator <stamp>');
});
