import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../engine/config/diagnostics.js';
import { DEFAULT_LIMITS, loadGatewayConfig } from '../../engine/config/gateway-config.js';
import { DEFAULT_PAYLOAD_LIMITS } from '../../engine/message/payload.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mediate-limits-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  return { dir, file: join(dir, 'gateway.yaml'), load: () => loadGatewayConfig(dir, { env: {} }) };
}

function refused(yaml: string): string {
  const { load: run, file } = load(yaml);
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.replace(`${file}:`, '');
  }
  throw new Error('the configuration was accepted');
}

describe('gateway.yaml limits (docs/gateway.md, docs/security.md)', () => {
  test('the defaults are safe and the payload ones are the engine defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxBodyBytes: 10 * 1024 * 1024,
      maxHeaderBytes: 16 * 1024,
      maxHeaderCount: 100,
      maxUrlLength: 8192,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      maxXmlDepth: DEFAULT_PAYLOAD_LIMITS.maxDepth,
      maxXmlElements: DEFAULT_PAYLOAD_LIMITS.maxElements,
      maxXmlAttributes: DEFAULT_PAYLOAD_LIMITS.maxAttributes,
      maxJsonDepth: DEFAULT_PAYLOAD_LIMITS.maxJsonDepth,
      maxJsonValues: DEFAULT_PAYLOAD_LIMITS.maxJsonValues,
    });
  });

  test('every limit can be set', () => {
    const limits = {
      maxBodyBytes: 1,
      maxHeaderBytes: 2048,
      maxHeaderCount: 3,
      maxUrlLength: 4,
      headersTimeoutMs: 5,
      requestTimeoutMs: 6,
      maxXmlDepth: 7,
      maxXmlElements: 8,
      maxXmlAttributes: 9,
      maxJsonDepth: 10,
      maxJsonValues: 11,
    };
    expect(load(`limits: ${JSON.stringify(limits)}\n`).load().limits).toEqual(limits);
  });

  test.each([
    ['maxHeaderCount: 0', '2:19', 'limits.maxHeaderCount must be a whole number ≥ 1, not 0'],
    ['maxXmlDepth: 2.5', '2:16', 'limits.maxXmlDepth must be a whole number ≥ 1, not 2.5'],
    ['maxJsonValues: -1', '2:18', 'limits.maxJsonValues must be a whole number ≥ 1, not -1'],
    ['maxUrlLength: lots', '2:17', 'limits.maxUrlLength must be a whole number ≥ 1, not "lots"'],
    ['maxXmlElments: 5', '2:3', 'unknown key "limits.maxXmlElments" (did you mean "maxXmlElements"?)'],
  ])('a count limit of 0, a fraction or text is an error at its position (%s)', (line, at, message) => {
    expect(refused(`limits:\n  ${line}\n`)).toBe(`${at}: ${message}`);
  });

  test('a headers timeout longer than the request timeout is refused at load, not by node:http at listen', () => {
    expect(refused('limits:\n  requestTimeoutMs: 1000\n  headersTimeoutMs: 2000\n')).toBe('3:21: limits.headersTimeoutMs (2000) must not be longer than limits.requestTimeoutMs (1000)');
    expect(refused('limits:\n  requestTimeoutMs: 5000\n')).toBe('2:21: limits.headersTimeoutMs (10000) must not be longer than limits.requestTimeoutMs (5000)');
    // 0 switches a timeout off (node:http's meaning), so there is nothing to compare.
    expect(load('limits: { requestTimeoutMs: 0, headersTimeoutMs: 2000 }\n').load().limits.requestTimeoutMs).toBe(0);
  });
});
