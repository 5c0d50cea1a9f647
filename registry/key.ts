import { MediateError } from '../engine/errors.js';

/** The three registry spaces (reference §4.1). */
export const SCOPES = ['gov', 'conf', 'local'] as const;
export type RegistryScope = (typeof SCOPES)[number];

/** A parsed registry key: scope, normalised path (`/a/b`, `/` for the root) and optional `@property`. */
export interface RegistryKey {
  readonly scope: RegistryScope;
  readonly path: string;
  readonly property?: string;
}

/** A key that is not a valid registry key: a clear error, never a silent miss. */
export class RegistryKeyError extends MediateError {
  constructor(key: string, reason: string) {
    super('MEDIATE_REGISTRY_BAD_KEY', `invalid registry key "${printable(key)}": ${reason}`);
  }
}

const MAX_KEY_LENGTH = 1024;

/**
 * Parses `gov:/a/b`, `conf:a/b`, `local:/a/b@prop`, or `/a/b` (no prefix means gov:, as in Synapse). Paths are
 * normalised (`//` and `.` collapse, a trailing `/` goes); `..`, control characters and empty property names
 * are refused, so no key escapes its scope.
 */
export function parseKey(key: string, options: { allowProperty?: boolean } = {}): RegistryKey {
  if (key.length > MAX_KEY_LENGTH) throw new RegistryKeyError(key.slice(0, 64) + '…', `longer than ${MAX_KEY_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new RegistryKeyError(key, 'it contains a control character');
  let rest = key;
  let scope: RegistryScope = 'gov';
  const colon = /^([A-Za-z]+):/.exec(key);
  if (colon) {
    const name = colon[1]!;
    if (!(SCOPES as readonly string[]).includes(name)) throw new RegistryKeyError(key, `unknown prefix "${name}:" (use gov:, conf: or local:)`);
    scope = name as RegistryScope;
    rest = key.slice(colon[0].length);
  }
  let property: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (options.allowProperty === false) throw new RegistryKeyError(key, 'a property (@name) is not allowed here');
    property = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!property || property.includes('@')) throw new RegistryKeyError(key, 'a key has at most one @ followed by a property name');
  }
  return property === undefined ? { scope, path: normalisePath(key, rest) } : { scope, path: normalisePath(key, rest), property };
}

function normalisePath(key: string, path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw new RegistryKeyError(key, '".." is not allowed in a registry path');
    segments.push(segment);
  }
  return '/' + segments.join('/');
}

/** The canonical text of a key: `gov:/a/b` or `gov:/a/b@p`. */
export function formatKey(k: RegistryKey): string {
  return `${k.scope}:${k.path}${k.property === undefined ? '' : `@${k.property}`}`;
}

/** The parent collection of a path (`/a/b` → `/a`, `/a` → `/`); the root has none. */
export function parentPath(path: string): string | null {
  if (path === '/') return null;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
