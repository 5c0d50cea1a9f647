import { redactText } from '../redact.js';

/** HTTP reason phrases for the statuses Mediate answers with itself. */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The JSON fault a client gets when no fault flow answers: API Manager 4's flat shape with a string code. */
export interface JsonFault {
  readonly code: string;
  readonly type: 'Status report';
  readonly message: string;
  readonly description: string;
}

const MAX_DESCRIPTION = 1024;

/**
 * The description is an error's message, which the client sees: its first line only (never a stack trace or a
 * multi-line dump), bounded, and through the redaction list.
 */
export function jsonFault(status: number, code: number | string, description: string, message?: string): JsonFault {
  const line = description.split(/\r?\n|\r/, 1)[0]!;
  const bounded = line.length > MAX_DESCRIPTION ? `${line.slice(0, MAX_DESCRIPTION)}…` : line;
  return { code: String(code), type: 'Status report', message: message ?? REASONS[status] ?? 'Runtime Error', description: redactText(bounded) };
}

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}
