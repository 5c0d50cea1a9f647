import { ErrorCode } from '../error-codes.js';
import { MediationError } from '../errors.js';

/** A backend call failed: the Synapse ERROR_CODE says how (reference §7.2), the message says where. */
export class BackendError extends MediationError {
  constructor(message: string, errorCode: number, options?: { cause?: unknown; httpStatus?: number }) {
    super(message, errorCode, { ...options, code: 'MEDIATE_BACKEND_FAILED', httpStatus: options?.httpStatus ?? httpStatusFor(errorCode) });
  }
}

function httpStatusFor(code: number): number {
  if (code === ErrorCode.CONNECTION_TIMEOUT || code === ErrorCode.CONNECT_TIMEOUT) return 504;
  if (code === ErrorCode.ENDPOINT_NOT_READY || code === ErrorCode.ENDPOINT_GROUP_NOT_READY) return 503;
  return 502;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/**
 * Maps an undici or socket error to Synapse's transport codes (reference §7.2): refused or unresolvable →
 * 101503, connect timeout → 101508, no response in time → 101504, connection closed or reset → 101505,
 * malformed HTTP → 101506, aborted → 101509.
 */
export function backendErrorFor(err: unknown, target: string): BackendError {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? '';
  const causeCode = e?.cause?.code ?? '';
  if (CONNECT_FAILURES.has(code) || CONNECT_FAILURES.has(causeCode)) {
    return new BackendError(`Error connecting to the back end (${target}): ${code || causeCode}`, ErrorCode.CONNECTION_FAILED, { cause: err });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new BackendError(`Connect timeout (${target})`, ErrorCode.CONNECT_TIMEOUT, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'MEDIATE_ENDPOINT_TIMEOUT') {
    return new BackendError(`Send timeout (${target})`, ErrorCode.CONNECTION_TIMEOUT, { cause: err });
  }
  if (code === 'UND_ERR_ABORTED' || e?.name === 'AbortError') return new BackendError(`Send aborted (${target})`, ErrorCode.SEND_ABORT, { cause: err });
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_') || e?.name === 'HTTPParserError' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new BackendError(`The back end broke the HTTP protocol (${target}): ${e?.message ?? code}`, ErrorCode.PROTOCOL_VIOLATION, { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || causeCode === 'ECONNRESET') {
    return new BackendError(`The back end closed the connection (${target})`, ErrorCode.CONNECTION_CLOSED, { cause: err });
  }
  return new BackendError(`Error calling the back end (${target}): ${e?.message ?? String(err)}`, ErrorCode.SND_IO_ERROR_SENDING, { cause: err });
}
