import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { mediate, ROOT } from '../support/cli.js';

const SYNAPSE = 'xmlns="http://ws.apache.org/ns/synapse"';
const fresh = () => mkdtempSync(join(tmpdir(), 'mediate-reg-'));

describe('mediate registry', () => {
  test('put, get, props, ls, rm in a config folder (./data by default)', () => {
    const dir = fresh();
    const r = (...args: string[]) => mediate(['registry', ...args], { cwd: dir });
    expect(r('put', 'gov:/creds/pizza/generated_Time', '0').code).toBe(0);
    expect(r('put', 'gov:/creds/pizza/access_Token', 'abc', '--property', 'owner=ops', '--media-type', 'text/plain')).toMatchObject({ code: 0 });
    expect(r('get', 'gov:/creds/pizza/generated_Time')).toMatchObject({ code: 0, stdout: '0' });
    expect(r('get', '/creds/pizza/access_Token')).toMatchObject({ code: 0, stdout: 'abc' });
    expect(r('get', 'gov:/creds/pizza/access_Token@owner')).toMatchObject({ code: 0, stdout: 'ops' });
    expect(r('put', 'gov:/creds/pizza/access_Token@team', 'pizza').code).toBe(0);
    expect(r('get', 'gov:/creds/pizza/access_Token')).toMatchObject({ stdout: 'abc' });
    expect(r('props', 'gov:/creds/pizza/access_Token').stdout).toBe('owner=ops\nteam=pizza\n');
    expect(r('ls', 'gov:/creds').stdout).toBe('gov:/creds/pizza/\n');
    expect(r('ls', 'gov:/creds/pizza').stdout).toBe('gov:/creds/pizza/access_Token\ngov:/creds/pizza/generated_Time\n');
    expect(r('rm', 'gov:/creds/pizza').code).toBe(0);
    expect(r('get', 'gov:/creds/pizza/generated_Time')).toMatchObject({ code: 4, stderr: 'no resource gov:/creds/pizza/generated_Time\n' });
    expect(r('rm', 'gov:/creds/pizza').code).toBe(4);
  });

  test('put - reads standard input; a bad key is an input error that names the key', () => {
    const dir = fresh();
    expect(mediate(['registry', 'put', 'local:/doc', '-'], { cwd: dir, input: '{"a":1}' }).code).toBe(0);
    expect(mediate(['registry', 'get', 'local:/doc'], { cwd: dir }).stdout).toBe('{"a":1}');
    const bad = mediate(['registry', 'get', 'gov:/a/../../etc/passwd'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid registry key "gov:/a/../../etc/passwd": ".." is not allowed');
  });

  test('a read-only governance registry refuses writes and keeps its data', () => {
    const dir = fresh();
    expect(mediate(['registry', 'put', 'gov:/x', 'old'], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, 'gateway.yaml'), 'registry:\n  governance: { readOnly: true }\n');
    const r = mediate(['registry', 'put', 'gov:/x', 'new'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write registry key "gov:/x": the governance registry is read-only on this gateway');
    expect(r.stderr).toContain('write "local:/x" instead');
    expect(mediate(['registry', 'get', 'gov:/x'], { cwd: dir }).stdout).toBe('old');
  });

  test('an unknown gateway.yaml key is reported with its position and a suggestion', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'gateway.yaml'), 'registry:\n  governance:\n    readonly: true\n');
    const r = mediate(['registry', 'get', 'gov:/x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gateway.yaml:3:5: unknown key "registry.governance.readonly" (did you mean "readOnly"?)`);
  });
});

describe('mediate run with a registry', () => {
  const sequence = (dir: string) => {
    const file = join(dir, 'count.xml');
    writeFileSync(
      file,
      `<sequence ${SYNAPSE} name="count">
  <property name="n" type="INTEGER" expression="get-property('registry', 'gov:/demo/count') + 1"/>
  <property name="gov:/demo/count" scope="registry" expression="get-property('n')"/>
</sequence>`,
    );
    return file;
  };

  test('--registry-dir keeps state from one run to the next', () => {
    const dir = fresh();
    const registry = join(dir, 'reg');
    mediate(['registry', 'put', 'gov:/demo/count', '0', '--registry-dir', registry]);
    const n = () => JSON.parse(mediate(['run', sequence(dir), '--registry-dir', registry]).stdout).properties.default.n;
    expect(n()).toBe(1);
    expect(n()).toBe(2);
    expect(mediate(['registry', 'get', 'gov:/demo/count', '--registry-dir', registry]).stdout).toBe('2');
  });

  test('--config with a read-only governance registry: the gov: write faults naming the key, nothing written', () => {
    const dir = fresh();
    mediate(['registry', 'put', 'gov:/demo/count', '0'], { cwd: dir });
    writeFileSync(join(dir, 'gateway.yaml'), 'registry:\n  governance: { readOnly: true }\n');
    const r = mediate(['run', sequence(dir), '--config', dir]);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.error.message).toContain('cannot write registry key "gov:/demo/count"');
    expect(out.error.message).toContain('write "local:/demo/count" instead');
    expect(mediate(['registry', 'get', 'gov:/demo/count'], { cwd: dir }).stdout).toBe('0');
  });

  test('redirectTo: local runs an unmodified gov: sequence against the local registry, logged once', () => {
    const dir = fresh();
    mediate(['registry', 'put', 'local:/demo/count', '41'], { cwd: dir });
    writeFileSync(join(dir, 'gateway.yaml'), 'registry:\n  governance: { readOnly: true, redirectTo: local }\n');
    const r = mediate(['run', sequence(dir), '--config', dir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).properties.default.n).toBe(42);
    expect(r.stderr.match(/redirected to local:/g)).toHaveLength(1);
    expect(mediate(['registry', 'get', 'local:/demo/count'], { cwd: dir }).stdout).toBe('42');
  });
});

describe('mediate sequence rescope', () => {
  test('the shipped local variant is the governance variant rescoped', () => {
    const gov = join(ROOT, 'sequences/oauth2-token-gov.xml');
    const r = mediate(['sequence', 'rescope', gov, '--to', 'local']);
    expect(r.code).toBe(0);
    const local = readFileSync(join(ROOT, 'sequences/oauth2-token-local.xml'), 'utf8');
    expect(r.stdout.replace('name="oauth2-token-gov"', 'name="oauth2-token-local"')).toBe(local);
    expect(r.stderr.trim().split('\n')).toHaveLength(6);
    expect(r.stderr).toContain(`${gov}:51:23: gov:/api-backend-credentials/PizzaShackAPI/generated_Time -> local:/api-backend-credentials/PizzaShackAPI/generated_Time`);
  });

  test('-o writes the file; --to gov moves keys back', () => {
    const dir = fresh();
    const out = join(dir, 'back.xml');
    expect(mediate(['sequence', 'rescope', join(ROOT, 'sequences/oauth2-token-local.xml'), '--to', 'gov', '-o', out]).code).toBe(0);
    const gov = readFileSync(join(ROOT, 'sequences/oauth2-token-gov.xml'), 'utf8');
    expect(readFileSync(out, 'utf8').replace('name="oauth2-token-local"', 'name="oauth2-token-gov"')).toBe(gov);
  });

  test('--to is required', () => {
    expect(mediate(['sequence', 'rescope', join(ROOT, 'sequences/oauth2-token-gov.xml')]).code).toBe(2);
  });
});
