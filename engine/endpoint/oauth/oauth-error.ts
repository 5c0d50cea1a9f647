import { ErrorCode } from '../../error-codes.js';
import { BackendError } from '../backend-error.js';

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
 */
export class OAuthTokenError extends BackendError {
  constructor(
    readonly reason: TokenFailure,
    message: string,
    httpStatus: number,
    options?: { cause?: unknown },
  ) {
    super(message, ErrorCode.ENDPOINT_AUTH_FAILURE, { ...options, httpStatus });
  }
}
