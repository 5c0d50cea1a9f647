import { ErrorCode } from '../../error-codes.js';
import { MediationError } from '../../errors.js';

/** Why no token could be had: the label of the failure counters, and what a fault flow can tell apart. */
export type TokenFailure =
  | 'configuration'
  | 'connection'
  | 'timeout'
  | 'http-status'
  | 'not-json'
  | 'no-access-token'
  | 'token-type'
  | 'backoff';

/**
 * No access token for an endpoint: Synapse's ENDPOINT_AUTH_FAILURE (303003, reference §7.3), so the fault
 * flow sees the code MI gives. The message names the token URL and the reason, and never carries a secret,
 * a token or anything of the token server's response body (backend-auth.md R9).
 *
 * Not a BackendError, on purpose: the back end was never called, so its endpoint is not suspended. A failing
 * token server is backed off by the token cache instead (R4), and recovers at the first good answer rather
 * than after a suspension of the back end.
 */
export class OAuthTokenError extends MediationError {
  constructor(
    readonly reason: TokenFailure,
    message: string,
    httpStatus: number,
    options?: { cause?: unknown },
  ) {
    super(message, ErrorCode.ENDPOINT_AUTH_FAILURE, { ...options, httpStatus, code: 'MEDIATE_OAUTH_TOKEN_FAILED' });
  }
}
