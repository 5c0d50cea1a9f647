import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { sequenceSchema } from '../../../engine/config/yaml-schema.js';
import { BUILTIN_MEDIATORS } from '../../../mediators/index.js';
import { ROOT } from '../../support/cli.js';

const shipped = JSON.parse(readFileSync(join(ROOT, 'schema/sequence.schema.json'), 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(shipped);

describe('the JSON Schema of YAML sequences', () => {
  test('the shipped schema is the one the mediator definitions generate (npm run schema)', () => {
    expect(shipped).toEqual(JSON.parse(JSON.stringify(sequenceSchema(BUILTIN_MEDIATORS))));
  });

  test.each(['sequences/oauth2-token-gov.yaml', 'examples/sequences/hello.yaml', 'test/golden/cases/hello-json.yaml'])('%s is valid', (file) => {
    const ok = validate(parse(readFileSync(join(ROOT, file), 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('a misspelt attribute, an unknown mediator and a bad enum value are invalid', () => {
    expect(validate({ sequence: { name: 's', children: [{ log: { levle: 'full' } }] } })).toBe(false);
    expect(validate({ sequence: { name: 's', children: [{ proprety: { name: 'a', value: 'b' } }] } })).toBe(false);
    expect(validate({ sequence: { name: 's', children: [{ property: { name: 'a', value: 'b', scope: 'env' } }] } })).toBe(false);
    expect(validate({ sequence: { name: 's', children: [{ property: { name: 'a', value: 'b', scope: 'axis2' } }] } })).toBe(true);
  });
});
