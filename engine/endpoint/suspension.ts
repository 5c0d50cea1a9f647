import { ErrorCode } from '../error-codes.js';

/** `<suspendOnFailure>` and `<markForSuspension>` of an endpoint (reference §5.2). */
export interface SuspensionPolicy {
  /** Codes that suspend the endpoint; empty means every code, `-1` means none. */
  readonly suspendCodes: readonly number[];
  readonly initialDurationMs: number;
  readonly progressionFactor: number;
  readonly maximumDurationMs: number;
  /** Codes that count as timeouts; the endpoint is suspended after `retriesBeforeSuspension` more of them. */
  readonly timeoutCodes: readonly number[];
  readonly retriesBeforeSuspension: number;
  /** `<markForSuspension><retryDelay>`: how long a timed-out endpoint refuses messages before it is tried again. */
  readonly retryDelayMs: number;
}

/** Synapse's defaults: any failure suspends for 30 s; connection timeouts and closes count as timeouts. */
export const SYNAPSE_DEFAULT_SUSPENSION: SuspensionPolicy = {
  suspendCodes: [],
  initialDurationMs: 30_000,
  progressionFactor: 1,
  maximumDurationMs: Number.MAX_SAFE_INTEGER,
  timeoutCodes: [ErrorCode.CONNECTION_TIMEOUT, ErrorCode.CONNECTION_CLOSED],
  retriesBeforeSuspension: 0,
  retryDelayMs: 0,
};

/** What API-manager style endpoints use: failures never take the endpoint out of service. */
export const NEVER_SUSPEND: SuspensionPolicy = { ...SYNAPSE_DEFAULT_SUSPENSION, suspendCodes: [-1], timeoutCodes: [] };

/** The suspension state of one endpoint in this process. */
export class SuspensionState {
  private suspendedUntil = 0;
  private suspensions = 0;
  private timeouts = 0;
  /** Synapse's state name, for the 303001 message. */
  private label: 'ACTIVE' | 'TIMEOUT' | 'SUSPENDED' = 'ACTIVE';

  constructor(private readonly policy: SuspensionPolicy) {}

  isSuspended(now: number): boolean {
    return now < this.suspendedUntil;
  }

  get stateName(): string {
    return this.label;
  }

  succeeded(): void {
    this.suspensions = 0;
    this.timeouts = 0;
    this.suspendedUntil = 0;
    this.label = 'ACTIVE';
  }

  failed(code: number, now: number): void {
    const p = this.policy;
    if (p.timeoutCodes.includes(code)) {
      // Synapse's TIMEOUT state (EndpointContext): not ready until retryDelay has passed, then tried again.
      if (++this.timeouts <= p.retriesBeforeSuspension) {
        this.label = 'TIMEOUT';
        this.suspendedUntil = now + p.retryDelayMs;
        return;
      }
    } else if (p.suspendCodes.includes(-1) || (p.suspendCodes.length > 0 && !p.suspendCodes.includes(code))) {
      return;
    }
    if (p.initialDurationMs <= 0) return;
    const duration = Math.min(p.initialDurationMs * p.progressionFactor ** this.suspensions, p.maximumDurationMs);
    this.suspensions++;
    this.suspendedUntil = now + duration;
    this.label = 'SUSPENDED';
  }
}
