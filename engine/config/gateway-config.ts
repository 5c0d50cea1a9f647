import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { DEFAULT_PAYLOAD_LIMITS } from '../message/payload.js';
import { Diagnostics, type SourceLocation } from './diagnostics.js';
import { didYouMean } from './suggest.js';

/** gateway.yaml (design.md §7). Every key is optional. */
export interface GatewayConfig {
  readonly dir: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly https: { readonly port: number; readonly cert: string; readonly key: string } | null;
  readonly admin: { readonly host: string; readonly port: number; readonly user: string; readonly password: string | null };
  readonly workers: number | null;
  readonly registry: {
    readonly governance: StoreConfig & { readonly readOnly: boolean; readonly redirectTo: 'local' | null };
    readonly config: StoreConfig & { readonly readOnly: boolean };
    readonly local: StoreConfig;
  };
  readonly limits: GatewayLimits;
  readonly plugins: readonly string[];
  /** The backend HTTP client (engine/endpoint/http-client.ts). */
  readonly backends: {
    readonly caFile: string | null;
    readonly insecure: boolean;
    readonly connectTimeoutMs: number;
    readonly connectionsPerOrigin: number;
    readonly keepAliveMs: number;
  };
}

/** gateway.yaml `limits`: what a client may send (docs/gateway.md, docs/security.md). */
export interface GatewayLimits {
  readonly maxBodyBytes: number;
  /** The request line and headers together (node:http maxHeaderSize; more is 431 from Node itself). */
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  /** The request target (path and query); longer is 414. */
  readonly maxUrlLength: number;
  /** 0 switches a timeout off, as node:http does. */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxXmlDepth: number;
  readonly maxXmlElements: number;
  readonly maxXmlAttributes: number;
  readonly maxJsonDepth: number;
  /** Values (members and array items, nested ones included) of one JSON payload. */
  readonly maxJsonValues: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxUrlLength: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxXmlDepth: DEFAULT_PAYLOAD_LIMITS.maxDepth,
  maxXmlElements: DEFAULT_PAYLOAD_LIMITS.maxElements,
  maxXmlAttributes: DEFAULT_PAYLOAD_LIMITS.maxAttributes,
  maxJsonDepth: DEFAULT_PAYLOAD_LIMITS.maxJsonDepth,
  maxJsonValues: DEFAULT_PAYLOAD_LIMITS.maxJsonValues,
};

export interface StoreConfig {
  readonly store: 'sqlite' | 'postgres';
  /** The SQLite file (absolute). */
  readonly path: string;
  /** The PostgreSQL URL (secret: never printed). */
  readonly url: string | null;
}

/** `count`: a whole number ≥ 1, for limits where 0 could only be a mistake (it would refuse everything). */
type Kind = 'string' | 'number' | 'count' | 'boolean' | { enum: readonly string[] } | 'strings';
type Schema = { readonly [key: string]: Kind | Schema };

const STORE: Schema = { store: { enum: ['sqlite', 'postgres'] }, path: 'string', url: 'string' };
const SCHEMA: Schema = {
  http: { host: 'string', port: 'number' },
  https: { port: 'number', cert: 'string', key: 'string' },
  admin: { host: 'string', port: 'number', user: 'string', password: 'string' },
  workers: 'number',
  registry: {
    governance: { ...STORE, readOnly: 'boolean', redirectTo: { enum: ['local'] } },
    config: { ...STORE, readOnly: 'boolean' },
    local: STORE,
  },
  limits: {
    maxBodyBytes: 'number',
    maxHeaderBytes: 'number',
    maxHeaderCount: 'count',
    maxUrlLength: 'count',
    headersTimeoutMs: 'number',
    requestTimeoutMs: 'number',
    maxXmlDepth: 'count',
    maxXmlElements: 'count',
    maxXmlAttributes: 'count',
    maxJsonDepth: 'count',
    maxJsonValues: 'count',
  },
  plugins: 'strings',
  backends: { caFile: 'string', insecure: 'boolean', connectTimeoutMs: 'number', connectionsPerOrigin: 'number', keepAliveMs: 'number' },
};

type Plain = { [key: string]: unknown };

/**
 * Reads `dir/gateway.yaml` (absent: all defaults). Unknown keys are errors naming the nearest known key, values
 * are type-checked, and `${env:NAME}` / `${file:/path}` references are resolved, so secrets need not be written
 * in the file. Throws ConfigError with file:line:col positions.
 */
export interface LoadOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * `optional` for commands that only touch the registry: a reference they do not need (the admin password of
   * a running gateway) must not stop them when its variable is unset; it reads as unset instead.
   */
  readonly references?: 'required' | 'optional';
}

export function loadGatewayConfig(dir: string, options: LoadOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = join(dir, 'gateway.yaml');
  const raw = existsSync(file) ? readChecked(file, env, options.references ?? 'required') : {};
  return withDefaults(resolve(dir), raw);
}

function readChecked(file: string, env: Readonly<Record<string, string | undefined>>, references: 'required' | 'optional'): Plain {
  const diagnostics = new Diagnostics();
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines });
  const at = (node: YamlNode | null | undefined): SourceLocation => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    diagnostics.error({ file, line: pos.line, column: pos.col }, `malformed YAML: ${e.message.split('\n')[0]}`);
  }
  diagnostics.throwIfErrors();
  const value = doc.contents === null ? {} : check(doc.contents as YamlNode, SCHEMA, '', at, env, references, diagnostics);
  checkTimeouts((value?.['limits'] ?? {}) as Plain, (path) => at(doc.getIn(path, true) as YamlNode | undefined), diagnostics);
  diagnostics.throwIfErrors();
  return (value ?? {}) as Plain;
}

/** node:http refuses to start with a headers timeout longer than the request timeout: say so at load instead. */
function checkTimeouts(limits: Plain, at: (path: string[]) => SourceLocation, diagnostics: Diagnostics): void {
  const headers = (limits['headersTimeoutMs'] as number | null | undefined) ?? DEFAULT_LIMITS.headersTimeoutMs;
  const request = (limits['requestTimeoutMs'] as number | null | undefined) ?? DEFAULT_LIMITS.requestTimeoutMs;
  if (headers > 0 && request > 0 && headers > request) {
    const key = limits['headersTimeoutMs'] !== undefined ? 'headersTimeoutMs' : 'requestTimeoutMs';
    diagnostics.error(at(['limits', key]), `limits.headersTimeoutMs (${headers}) must not be longer than limits.requestTimeoutMs (${request})`);
  }
}

function check(
  node: YamlNode,
  schema: Schema,
  path: string,
  at: (n: YamlNode | null | undefined) => SourceLocation,
  env: Readonly<Record<string, string | undefined>>,
  references: 'required' | 'optional',
  diagnostics: Diagnostics,
): Plain | undefined {
  if (!isMap(node)) {
    diagnostics.error(at(node), `${path || 'gateway.yaml'} must be a map`);
    return undefined;
  }
  const out: Plain = {};
  for (const pair of node.items) {
    const keyNode = pair.key as YamlNode;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const name = path ? `${path}.${key}` : key;
    const kind = schema[key];
    if (kind === undefined) {
      diagnostics.error(at(keyNode), `unknown key "${name}"${didYouMean(key, Object.keys(schema))}`);
      continue;
    }
    const valueNode = pair.value as YamlNode | null;
    if (valueNode === null || (isScalar(valueNode) && valueNode.value === null)) {
      out[key] = null;
      continue;
    }
    if (typeof kind === 'object' && !('enum' in kind)) {
      out[key] = check(valueNode, kind as Schema, name, at, env, references, diagnostics);
      continue;
    }
    if (kind === 'strings') {
      if (!isSeq(valueNode)) diagnostics.error(at(valueNode), `${name} must be a list`);
      else out[key] = (valueNode.items as YamlNode[]).map((i) => (isScalar(i) ? String(i.value) : ''));
      continue;
    }
    if (!isScalar(valueNode)) {
      diagnostics.error(at(valueNode), `${name} must be a single value`);
      continue;
    }
    // YAML reads a plain 0123 or 1e3 as a number; a string setting (a password, a user) wants the text as written.
    let value: unknown = kind === 'string' && typeof valueNode.value === 'number' && valueNode.source !== undefined ? valueNode.source : valueNode.value;
    if (typeof value === 'string') {
      try {
        value = resolveReference(value, env);
      } catch (err) {
        if (references === 'optional') out[key] = null;
        else diagnostics.error(at(valueNode), `${name}: ${(err as Error).message}`);
        continue;
      }
    }
    const coerced = coerce(value, kind as Exclude<Kind, 'strings'>);
    if (coerced === undefined) diagnostics.error(at(valueNode), `${name} must be ${describe(kind as Kind)}, not ${JSON.stringify(value)}`);
    else out[key] = coerced;
  }
  return out;
}

/** `${env:NAME}` or `${file:/path}` (the file's content, trimmed), else the text itself. */
export function resolveReference(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const m = /^\$\{(env|file):([^}]+)\}$/.exec(text.trim());
  if (!m) return text;
  if (m[1] === 'env') {
    const value = env[m[2]!];
    if (value === undefined) throw new Error(`the environment variable ${m[2]} is not set`);
    return value;
  }
  try {
    return readFileSync(m[2]!, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read ${m[2]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function coerce(value: unknown, kind: Exclude<Kind, 'strings'>): unknown {
  if (kind === 'string') return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  if (kind === 'number' || kind === 'count') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (kind === 'count') return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  }
  if (kind === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return undefined;
  }
  return typeof value === 'string' && kind.enum.includes(value) ? value : undefined;
}

function describe(kind: Kind): string {
  if (typeof kind === 'object' && 'enum' in kind) return `one of ${kind.enum.join(', ')}`;
  if (kind === 'count') return 'a whole number ≥ 1';
  return kind === 'number' ? 'a number ≥ 0' : kind === 'boolean' ? 'true or false' : `a ${kind}`;
}

function withDefaults(dir: string, raw: Plain): GatewayConfig {
  const section = (name: string): Plain => (raw[name] as Plain | null | undefined) ?? {};
  const registry = section('registry');
  const store = (name: string, file: string): Plain & StoreConfig => {
    const s = (registry[name] as Plain | null | undefined) ?? {};
    const path = (s['path'] as string | undefined) ?? `data/${file}`;
    return { ...s, store: (s['store'] as StoreConfig['store'] | undefined) ?? 'sqlite', path: isAbsolute(path) ? path : join(dir, path), url: (s['url'] as string | undefined) ?? null };
  };
  const governance = store('governance', 'governance.db');
  const config = store('config', 'config.db');
  const http = section('http');
  const https = raw['https'] as Plain | null | undefined;
  const admin = section('admin');
  const limits = section('limits');
  const backends = section('backends');
  return {
    dir,
    http: { host: (http['host'] as string) ?? '0.0.0.0', port: (http['port'] as number) ?? 8280 },
    // resolve, not join: an absolute certificate path (/etc/ssl/...) must stay as it is.
    https: https && https['cert'] ? { port: (https['port'] as number) ?? 8243, cert: resolve(dir, https['cert'] as string), key: resolve(dir, (https['key'] as string) ?? 'tls/key.pem') } : null,
    admin: { host: (admin['host'] as string) ?? '127.0.0.1', port: (admin['port'] as number) ?? 9164, user: (admin['user'] as string) ?? 'admin', password: (admin['password'] as string) ?? null },
    workers: (raw['workers'] as number | undefined) ?? null,
    registry: {
      governance: { ...governance, readOnly: (governance['readOnly'] as boolean) ?? false, redirectTo: (governance['redirectTo'] as 'local' | null) ?? null },
      config: { ...config, readOnly: (config['readOnly'] as boolean) ?? false },
      local: store('local', 'local.db'),
    },
    limits: Object.fromEntries(Object.entries(DEFAULT_LIMITS).map(([k, d]) => [k, (limits[k] as number | null | undefined) ?? d])) as unknown as GatewayLimits,
    plugins: (raw['plugins'] as string[] | undefined) ?? [],
    backends: {
      caFile: backends['caFile'] ? resolve(dir, backends['caFile'] as string) : null,
      insecure: (backends['insecure'] as boolean) ?? false,
      connectTimeoutMs: (backends['connectTimeoutMs'] as number) ?? 10_000,
      connectionsPerOrigin: (backends['connectionsPerOrigin'] as number) ?? 64,
      keepAliveMs: (backends['keepAliveMs'] as number) ?? 30_000,
    },
  };
}

