import type { HttpClient } from './endpoint/http-client.js';
import { DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from './message/payload.js';
import type { ArtifactLookup, LogLevel, Logger, MediationRegistry, Runtime } from './runtime.js';

const LEVEL_ORDER: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** A logger writing `[level] message` lines to a stream: the CLI's, where stdout is reserved for results. */
export class StreamLogger implements Logger {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly minimum: LogLevel = 'info',
  ) {}
  isEnabled(level: LogLevel): boolean {
    return LEVEL_ORDER[level] >= LEVEL_ORDER[this.minimum];
  }
  log(level: LogLevel, message: string): void {
    if (this.isEnabled(level)) this.stream.write(`[${level}] ${message}\n`);
  }
}

export interface RuntimeOptions {
  readonly artifacts: ArtifactLookup;
  readonly registry?: MediationRegistry;
  readonly http?: HttpClient;
  readonly logger: Logger;
  readonly scriptTimeoutMs?: number;
  /** The gateway's gateway.yaml `limits`; the defaults otherwise. */
  readonly payloadLimits?: PayloadLimits;
}

/** A Runtime with Mediate's defaults: the real clock, the process environment, the default payload limits. */
export function createRuntime(options: RuntimeOptions): Runtime {
  return {
    artifacts: options.artifacts,
    registry: options.registry,
    http: options.http,
    logger: options.logger,
    limits: { payload: options.payloadLimits ?? DEFAULT_PAYLOAD_LIMITS, scriptTimeoutMs: options.scriptTimeoutMs ?? 5000 },
    env: process.env,
    now: () => Date.now(),
  };
}
