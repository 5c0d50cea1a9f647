import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { mediate } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mediate-cli-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const SYNAPSE = 'xmlns="http://ws.apache.org/ns/synapse"';

describe('mediate validate', () => {
  test('exit 0 and no output for a valid file', () => {
    const r = mediate(['validate', write('ok.xml', `<sequence ${SYNAPSE} name="ok"><log/></sequence>`)]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  test('exit 2 with one file:line:col line per error, warnings kept', () => {
    const file = write('bad.xml', `<sequence ${SYNAPSE} name="bad">\n  <proprety/>\n  <log levle="x"/>\n</sequence>`);
    const r = mediate(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:2:3: unknown mediator <proprety> (did you mean "property"?)`,
      `${file}:3:8: warning: <log> has no attribute "levle" (did you mean "level"?); Synapse ignores it`,
    ]);
  });

  test('warnings alone keep exit 0', () => {
    const r = mediate(['validate', write('warn.xml', `<sequence ${SYNAPSE} name="w"><sequence key="later"/></sequence>`)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: sequence "later" is not defined/);
  });

  test('keys resolve across the files given together', () => {
    const a = write('a.xml', `<sequence ${SYNAPSE} name="a"><sequence key="b"/></sequence>`);
    const b = write('b.xml', `<sequence ${SYNAPSE} name="b"><log/></sequence>`);
    expect(mediate(['validate', a, b])).toMatchObject({ code: 0, stderr: '' });
  });

  test('a missing file is an input error', () => {
    const r = mediate(['validate', join(dir, 'nope.xml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.xml:1:1: cannot read the file: ENOENT/);
  });
});

describe('mediate run', () => {
  test('invalid sequence: exit 2 and file:line:col on stderr, nothing on stdout', () => {
    const file = write('broken.xml', `<sequence ${SYNAPSE} name="x">\n<filter/>\n</sequence>`);
    const r = mediate(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:2:1: <filter> needs xpath="...", or both source="..." and regex="..."`);
  });

  test('a malformed payload is a fault with ERROR_CODE 601000 and exit 3', () => {
    const file = write('read.xml', `<sequence ${SYNAPSE} name="x"><property name="v" expression="json-eval($.a)"/></sequence>`);
    const r = mediate(['run', file, '--body', '-', '--content-type', 'application/json'], { input: '{"a": ' });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('fault');
    expect(out.error.code).toBe(601000);
    expect(out.error.message).toMatch(/malformed JSON payload/);
  });

  test('--property and --axis2 seed the message; --path sets To and $url:', () => {
    const file = write('seed.xml', `<sequence ${SYNAPSE} name="x"><property name="q" expression="$url:size"/><property name="p" expression="concat($ctx:a, get-property('axis2', 'X'))"/></sequence>`);
    const r = mediate(['run', file, '--property', 'a=1', '--axis2', 'X=2', '--path', '/menu?size=large']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.properties.default).toMatchObject({ a: '1', p: '12', q: 'large' });
  });

  test('a bad --header is an input error', () => {
    const file = write('h.xml', `<sequence ${SYNAPSE} name="x"><log/></sequence>`);
    expect(mediate(['run', file, '--header', 'no-colon']).code).toBe(2);
  });
});

describe('--help', () => {
  test.each([[[]], [['run']], [['validate']]])('mediate %j --help', (args) => {
    const r = mediate([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mediate/);
  });
});
