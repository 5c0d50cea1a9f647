import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../engine/config/diagnostics.js';
import { DEFAULT_LIMITS, loadGatewayConfig, resolveReference } from '../../engine/config/gateway-config.js';

const root = mkdtempSync(join(tmpdir(), 'mediate-gateway-config-'));
let counter = 0;

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A config folder holding `yaml` as gateway.yaml (or no gateway.yaml at all). */
function configDir(yaml?: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(root, `cfg-${++counter}-`));
  const file = join(dir, 'gateway.yaml');
  if (yaml !== undefined) writeFileSync(file, yaml);
  return { dir, file };
}

/** The ConfigError loading `yaml` gives. */
function configError(yaml: string, env: Record<string, string> = {}): { error: ConfigError; file: string } {
  const { dir, file } = configDir(yaml);
  try {
    loadGatewayConfig(dir, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { error: err as ConfigError, file };
  }
  throw new Error('loadGatewayConfig did not throw');
}

describe('loadGatewayConfig: defaults (design §7)', () => {
  test('with no gateway.yaml every value is the default and the stores live under DIR/data', () => {
    const { dir } = configDir();
    const config = loadGatewayConfig(dir, { env: {} });
    expect(config).toEqual({
      dir,
      http: { host: '0.0.0.0', port: 8280 },
      https: null,
      admin: { host: '127.0.0.1', port: 9164, user: 'admin', password: null },
      workers: null,
      registry: {
        governance: { store: 'sqlite', path: join(dir, 'data', 'governance.db'), url: null, readOnly: false, redirectTo: null },
        config: { store: 'sqlite', path: join(dir, 'data', 'config.db'), url: null, readOnly: false },
        local: { store: 'sqlite', path: join(dir, 'data', 'local.db'), url: null },
      },
      limits: {
        maxBodyBytes: 10_485_760,
        maxHeaderBytes: 16_384,
        maxHeaderCount: 100,
        maxUrlLength: 8192,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 60_000,
        maxXmlDepth: 256,
        maxXmlElements: 100_000,
        maxXmlAttributes: 64,
        maxJsonDepth: 128,
        maxJsonValues: 100_000,
      },
      plugins: [],
      backends: { caFile: null, insecure: false, connectTimeoutMs: 10_000, connectionsPerOrigin: 64, keepAliveMs: 30_000 },
    });
  });

  test('an empty gateway.yaml, or one with only comments, is all defaults too', () => {
    const none = loadGatewayConfig(configDir().dir, { env: {} });
    for (const yaml of ['', '# nothing here\n']) {
      const { dir } = configDir(yaml);
      expect({ ...loadGatewayConfig(dir, { env: {} }), dir: 'x', registry: null }).toEqual({ ...none, dir: 'x', registry: null });
    }
  });

  test('a relative config folder is made absolute', () => {
    const { dir } = configDir();
    const config = loadGatewayConfig(relative(process.cwd(), dir), { env: {} });
    expect(config.dir).toBe(dir);
    expect(config.registry.local.path).toBe(join(dir, 'data', 'local.db'));
  });

  test('a key given with an empty value keeps its default', () => {
    const { dir } = configDir('http:\n  port:\nregistry:\nworkers: ~\n');
    const config = loadGatewayConfig(dir, { env: {} });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8280 });
    expect(config.workers).toBeNull();
    expect(config.registry.governance.path).toBe(join(dir, 'data', 'governance.db'));
  });
});

describe('loadGatewayConfig: values and paths', () => {
  test('values given are used, with the right types', () => {
    const { dir } = configDir(
      [
        'http: { host: 127.0.0.1, port: 9000 }',
        'admin:',
        '  port: "9999"',
        '  user: ops',
        '  password: 12345',
        'workers: 4',
        'registry:',
        '  governance: { readOnly: true, redirectTo: local }',
        '  config: { readOnly: "true", store: postgres, url: "postgres://db/x" }',
        'limits: { maxBodyBytes: 1024 }',
        'plugins: [ ./mediators/a.js, b ]',
        '',
      ].join('\n'),
    );
    const config = loadGatewayConfig(dir, { env: {} });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 9999, user: 'ops', password: '12345' });
    expect(config.workers).toBe(4);
    expect(config.registry.governance).toMatchObject({ readOnly: true, redirectTo: 'local', store: 'sqlite' });
    expect(config.registry.config).toMatchObject({ readOnly: true, store: 'postgres', url: 'postgres://db/x' });
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxBodyBytes: 1024 });
    expect(config.plugins).toEqual(['./mediators/a.js', 'b']);
  });

  test('a string setting written like a number keeps its text (leading zeros, exponent, hex)', () => {
    const { dir } = configDir('admin:\n  password: 0123\n  user: 1e3\nregistry:\n  local:\n    path: 0x10\n');
    const config = loadGatewayConfig(dir, { env: {} });
    expect(config.admin.password).toBe('0123');
    expect(config.admin.user).toBe('1e3');
    expect(config.registry.local.path).toBe(join(dir, '0x10'));
  });

  test('relative store paths are resolved against the config folder; absolute ones are kept', () => {
    const absolute = join(root, 'elsewhere', 'gov.db');
    const { dir } = configDir(`registry:\n  governance:\n    path: ${absolute}\n  config:\n    path: db/conf.db\n  local:\n    path: ../shared/local.db\n`);
    const config = loadGatewayConfig(dir, { env: {} });
    expect(config.registry.governance.path).toBe(absolute);
    expect(config.registry.config.path).toBe(join(dir, 'db', 'conf.db'));
    expect(config.registry.local.path).toBe(join(dir, '..', 'shared', 'local.db'));
  });

  test('https: relative certificate and key resolved against the folder, defaults for port and key', () => {
    const { dir } = configDir('https:\n  cert: tls/cert.pem\n');
    expect(loadGatewayConfig(dir, { env: {} }).https).toEqual({ port: 8243, cert: join(dir, 'tls', 'cert.pem'), key: join(dir, 'tls', 'key.pem') });
  });

  test('https: absolute certificate and key paths are kept as they are', () => {
    const cert = join(root, 'pki', 'cert.pem');
    const key = join(root, 'pki', 'key.pem');
    const { dir } = configDir(`https:\n  port: 443\n  cert: ${cert}\n  key: ${key}\n`);
    expect(loadGatewayConfig(dir, { env: {} }).https).toEqual({ port: 443, cert, key });
  });

  test('https without a certificate means no https', () => {
    const { dir } = configDir('https:\n  port: 8443\n');
    expect(loadGatewayConfig(dir, { env: {} }).https).toBeNull();
  });
});

describe('loadGatewayConfig: unknown keys', () => {
  test('registry.governance.readonly is an error at its line:column suggesting "readOnly"', () => {
    const { error, file } = configError('registry:\n  governance:\n    readonly: true\n');
    expect(error.code).toBe('MEDIATE_CONFIG_INVALID');
    expect(error.message).toBe(`${file}:3:5: unknown key "registry.governance.readonly" (did you mean "readOnly"?)`);
    expect(error.diagnostics).toEqual([
      { file, line: 3, column: 5, severity: 'error', message: 'unknown key "registry.governance.readonly" (did you mean "readOnly"?)' },
    ]);
  });

  test('a misspelt top-level key suggests the nearest; a key like nothing known suggests nothing', () => {
    expect(configError('htpp:\n  port: 1\n').error.message).toMatch(/:1:1: unknown key "htpp" \(did you mean "http"\?\)$/);
    expect(configError('admin:\n  pasword: x\n').error.message).toMatch(/:2:3: unknown key "admin.pasword" \(did you mean "password"\?\)$/);
    const { error } = configError('zzzzzzzz: 1\n');
    expect(error.message).toMatch(/:1:1: unknown key "zzzzzzzz"$/);
  });

  test('every problem is reported at once, each with its own position', () => {
    const { error, file } = configError('http:\n  prot: 1\nregistry:\n  local:\n    paht: x\nworkers: many\n');
    expect(error.message.split('\n')).toEqual([
      `${file}:2:3: unknown key "http.prot" (did you mean "port"?)`,
      `${file}:5:5: unknown key "registry.local.paht" (did you mean "path"?)`,
      `${file}:6:10: workers must be a number ≥ 0, not "many"`,
    ]);
  });
});

describe('loadGatewayConfig: wrong types', () => {
  test.each([
    ['http:\n  port: eighty\n', '2:9', 'http.port must be a number ≥ 0, not "eighty"'],
    ['http:\n  port: -1\n', '2:9', 'http.port must be a number ≥ 0, not -1'],
    ['registry:\n  governance:\n    readOnly: yes\n', '3:15', 'registry.governance.readOnly must be true or false, not "yes"'],
    ['registry:\n  local:\n    store: mysql\n', '3:12', 'registry.local.store must be one of sqlite, postgres, not "mysql"'],
    ['registry:\n  governance:\n    redirectTo: gov\n', '3:17', 'registry.governance.redirectTo must be one of local, not "gov"'],
    ['admin:\n  host: true\n', '2:9', 'admin.host must be a string, not true'],
    ['plugins: one.js\n', '1:10', 'plugins must be a list'],
    ['http: 8080\n', '1:7', 'http must be a map'],
    ['http:\n  port: [1, 2]\n', '2:9', 'http.port must be a single value'],
    ['- a\n- b\n', '1:1', 'gateway.yaml must be a map'],
  ])('%j', (yaml, at, message) => {
    const { error, file } = configError(yaml);
    expect(error.message).toBe(`${file}:${at}: ${message}`);
  });

  test('malformed YAML is reported with its position', () => {
    const { error, file } = configError('http:\n  port: 1\n   host: x\n');
    expect(error.message.startsWith(`${file}:`)).toBe(true);
    expect(error.message).toContain('malformed YAML');
  });

  test('a duplicate key is malformed YAML', () => {
    expect(configError('workers: 1\nworkers: 2\n').error.message).toContain('malformed YAML');
  });
});

describe('loadGatewayConfig: ${env:NAME} and ${file:/path}', () => {
  test('${env:NAME} is replaced by the variable, and then type-checked', () => {
    const { dir } = configDir('admin:\n  password: ${env:MEDIATE_TEST_PASSWORD}\nhttp:\n  port: "${env:MEDIATE_TEST_PORT}"\nregistry:\n  governance:\n    readOnly: ${env:RO}\n');
    const config = loadGatewayConfig(dir, { env: { MEDIATE_TEST_PASSWORD: 's3cret: {x}', MEDIATE_TEST_PORT: '8081', RO: 'true' } });
    expect(config.admin.password).toBe('s3cret: {x}');
    expect(config.http.port).toBe(8081);
    expect(config.registry.governance.readOnly).toBe(true);
  });

  test('the process environment is used by default', () => {
    const name = `MEDIATE_TEST_${process.pid}_USER`;
    process.env[name] = 'from-process-env';
    try {
      const { dir } = configDir(`admin:\n  user: \${env:${name}}\n`);
      expect(loadGatewayConfig(dir).admin.user).toBe('from-process-env');
    } finally {
      delete process.env[name];
    }
  });

  test('a missing environment variable is an error naming it, at the value', () => {
    const { error, file } = configError('admin:\n  password: ${env:MEDIATE_TEST_UNSET}\n');
    expect(error.message).toBe(`${file}:2:13: admin.password: the environment variable MEDIATE_TEST_UNSET is not set`);
  });

  test('an env value of the wrong type is a type error', () => {
    const { error } = configError('http:\n  port: ${env:P}\n', { P: 'abc' });
    expect(error.message).toMatch(/:2:9: http\.port must be a number ≥ 0, not "abc"$/);
  });

  test('${file:/path} is replaced by the file’s content, trimmed', () => {
    const secret = join(root, `secret-${++counter}.txt`);
    writeFileSync(secret, '  pg-password\n\n');
    const { dir } = configDir(`admin:\n  password: \${file:${secret}}\nregistry:\n  governance:\n    url: "\${file:${secret}}"\n`);
    const config = loadGatewayConfig(dir, { env: {} });
    expect(config.admin.password).toBe('pg-password');
    expect(config.registry.governance.url).toBe('pg-password');
  });

  test('an unreadable ${file:...} is an error naming the file', () => {
    const missing = join(root, 'no-such-secret.txt');
    const { error, file } = configError(`admin:\n  password: \${file:${missing}}\n`);
    expect(error.message).toBe(`${file}:2:13: admin.password: cannot read ${missing}: ENOENT`);
  });

  test('text that merely contains a reference is taken literally', () => {
    expect(resolveReference('pre ${env:X}', { X: 'x' })).toBe('pre ${env:X}');
    expect(resolveReference('${other:X}', { X: 'x' })).toBe('${other:X}');
    expect(resolveReference(' ${env:X} ', { X: 'x' })).toBe('x');
  });
});

describe('references a command does not need', () => {
  test('read as unset with references: optional, and stay errors by default', () => {
    const { dir } = configDir('admin:\n  password: ${env:MEDIATE_TEST_UNSET_VARIABLE}\n');
    expect(loadGatewayConfig(dir, { env: {}, references: 'optional' }).admin.password).toBeNull();
    expect(() => loadGatewayConfig(dir, { env: {} })).toThrow(/MEDIATE_TEST_UNSET_VARIABLE is not set/);
  });
});
