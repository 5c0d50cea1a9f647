import { HeaderMap } from '../../engine/message/headers.js';
import { MessageContext } from '../../engine/message/message-context.js';
import { DEFAULT_PAYLOAD_LIMITS, Payload } from '../../engine/message/payload.js';
import type { ArtifactLookup, LogLevel, Logger, MediationRegistry, Runtime } from '../../engine/runtime.js';

/** A logger that keeps its lines, so tests can assert what was logged. */
export class MemoryLogger implements Logger {
  readonly lines: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level, message, fields });
  }
  isEnabled(): boolean {
    return true;
  }
  text(): string {
    return this.lines.map((l) => l.message).join('\n');
  }
}

/** An in-memory registry for mediation tests: key → content and properties. */
export class MemoryRegistry implements MediationRegistry {
  readonly resources = new Map<string, { content: string; properties: Map<string, string> }>();
  readText(key: string): string | null {
    return this.resources.get(normalise(key))?.content ?? null;
  }
  readProperty(key: string, property: string): string | null {
    return this.resources.get(normalise(key))?.properties.get(property) ?? null;
  }
  readProperties(key: string): Record<string, string> | null {
    const r = this.resources.get(normalise(key));
    return r ? Object.fromEntries(r.properties) : null;
  }
  exists(key: string): boolean {
    return this.resources.has(normalise(key));
  }
  async update(key: string, value: string): Promise<boolean> {
    const r = this.resources.get(normalise(key));
    if (!r) return false;
    r.content = value;
    return true;
  }
  async delete(key: string): Promise<void> {
    this.resources.delete(normalise(key));
  }
  async write(key: string, value: string, property?: string): Promise<void> {
    if (property) this.resources.set(normalise(key), { content: '', properties: new Map([[property, value]]) });
    else this.resources.set(normalise(key), { content: value, properties: new Map() });
  }
}

function normalise(key: string): string {
  return key.includes(':') ? key : `gov:${key}`;
}

const emptyArtifacts: ArtifactLookup = { sequence: () => undefined, localEntry: () => undefined, endpoint: () => undefined };

export function makeRuntime(overrides: Partial<Runtime> = {}): Runtime & { logger: MemoryLogger } {
  return {
    artifacts: emptyArtifacts,
    registry: undefined,
    http: undefined,
    logger: new MemoryLogger(),
    limits: { payload: DEFAULT_PAYLOAD_LIMITS, scriptTimeoutMs: 1000 },
    env: {},
    now: () => Date.now(),
    ...overrides,
  } as Runtime & { logger: MemoryLogger };
}

export interface MessageOptions {
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  properties?: Record<string, unknown>;
  method?: string;
  to?: string;
  runtime?: Runtime;
}

export function makeMessage(options: MessageOptions = {}): MessageContext {
  const runtime = options.runtime ?? makeRuntime();
  const headers = HeaderMap.from(options.headers ?? {});
  if (options.contentType) headers.set('Content-Type', options.contentType);
  const payload = new Payload(Buffer.from(options.body ?? '', 'utf8'), options.contentType ?? null, runtime.limits.payload);
  const mc = new MessageContext(runtime, { payload, headers, method: options.method ?? 'POST', to: options.to ?? '/test' });
  for (const [k, v] of Object.entries(options.properties ?? {})) mc.properties.set(k, v);
  return mc;
}
