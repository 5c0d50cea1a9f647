/**
 * Synapse's numeric ERROR_CODE values (reference §7). Fault flows switch on these, so they are part of the
 * contract with existing sequences and must keep their Synapse values.
 */
export const ErrorCode = {
  /** A mediator failed without a more specific code. */
  GENERIC: 0,
  SND_IO_ERROR_SENDING: 101500,
  SND_IO_ERROR_RECEIVING: 101501,
  CONNECTION_FAILED: 101503,
  CONNECTION_TIMEOUT: 101504,
  CONNECTION_CLOSED: 101505,
  PROTOCOL_VIOLATION: 101506,
  CONNECT_CANCEL: 101507,
  CONNECT_TIMEOUT: 101508,
  SEND_ABORT: 101509,
  RESPONSE_PROCESSING_FAILURE: 101510,
  ENDPOINT_GROUP_NOT_READY: 303000,
  ENDPOINT_NOT_READY: 303001,
  ENDPOINT_AUTH_FAILURE: 303003,
  BLOCKING_SENDER_OPERATION_FAILED: 401002,
  MESSAGE_BUILD_FAILURE: 601000,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
