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

export function jsonFault(status: number, code: number | string, description: string, message?: string): JsonFault {
  return { code: String(code), type: 'Status report', message: message ?? REASONS[status] ?? 'Runtime Error', description };
}

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}
