import { ErrorCode } from './error-codes.js';

/** Base of every error Mediate raises on purpose: a stable string code a caller can switch on. */
export class MediateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A failure while mediating one message. It carries Synapse's numeric ERROR_CODE, which the fault flow sees as
 * the ERROR_CODE property; `detail` becomes ERROR_DETAIL.
 */
export class MediationError extends MediateError {
  constructor(
    message: string,
    readonly errorCode: number = ErrorCode.GENERIC,
    options?: { cause?: unknown; detail?: string; httpStatus?: number; code?: string },
  ) {
    super(options?.code ?? 'MEDIATE_MEDIATION_FAILED', message, options);
    this.detail = options?.detail ?? '';
    this.httpStatus = options?.httpStatus;
  }
  /** ERROR_DETAIL; the interpreter fills in where the error happened when the thrower did not say. */
  detail: string;
  /** The HTTP status a client should get when no fault flow answers (for example 400 for a bad payload). */
  readonly httpStatus: number | undefined;
}

/** The message payload could not be parsed (malformed JSON or XML, a refused DOCTYPE, a limit exceeded). */
export class PayloadError extends MediationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ErrorCode.MESSAGE_BUILD_FAILURE, { ...options, httpStatus: 400 });
  }
}

/** A property value could not be converted to the type its mediator asked for. */
export class TypeConversionError extends MediationError {}

/** An expression failed while it was evaluated (an unknown function or variable, a type error). */
export class ExpressionError extends MediationError {}
