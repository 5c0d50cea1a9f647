import { PayloadError } from '../errors.js';

/**
 * A JSON payload: its value and what it came as. A body that is only read and forwarded (`json-eval($)` into
 * a property, then the endpoint) is sent as it came instead of being stringified again. Writes replace the
 * whole body (`Payload.setJson`), which is what drops the source: callers that edit the value in place hand
 * it back that way.
 */
export class JsonBody {
  private constructor(
    /** The bytes received or the text produced, sent as they are while nothing replaces the body. */
    private readonly sent: string | Buffer | undefined,
    readonly value: unknown,
  ) {}

  static ofValue(value: unknown): JsonBody {
    return new JsonBody(undefined, value);
  }

  /**
   * Received bytes, parsed now: JSON.parse is native and checks them, which a scan of the text in JavaScript
   * (to put parsing off) costs more than it saves when the body is read at all.
   */
  static received(bytes: Buffer, text: string, maxDepth: number, maxValues: number): JsonBody {
    return new JsonBody(bytes, parseJson(text, maxDepth, maxValues));
  }

  /**
   * Text a mediator produced (payloadFactory): parsed now, so that invalid JSON fails where it was made, and
   * sent as it was written, as Synapse sends a JSON stream nobody changed. Throws JSON.parse's SyntaxError.
   */
  static produced(text: string): JsonBody {
    return new JsonBody(text, JSON.parse(text));
  }

  /** Valid JSON text always has a value; only a body built from `undefined` is empty. */
  get isEmpty(): boolean {
    return this.sent === undefined && this.value === undefined;
  }

  /** The value as JSON.stringify prints it, '' for an empty body. */
  compactText(): string {
    const value = this.value;
    return value === undefined ? '' : JSON.stringify(value);
  }

  /** What to send: the bytes or text as they came, else the compact text. */
  serialized(): string | Buffer {
    return this.sent ?? this.compactText();
  }

  /** serialized() as text. */
  text(): string {
    const sent = this.serialized();
    return typeof sent === 'string' ? sent : sent.toString('utf8');
  }
}

export function parseJson(text: string, maxDepth: number, maxValues: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PayloadError(`malformed JSON payload: ${(err as Error).message}`, { cause: err });
  }
  // n values take at least 2n+1 characters and d levels of nesting 2d, so a short body cannot break the limits.
  if (text.length >= 2 * maxValues + 3 || text.length >= 2 * maxDepth + 2) checkJson(value, maxDepth, maxValues);
  return value;
}

/** Walks the parsed value once; recursion is bounded by maxDepth, since deeper nesting throws first. */
function checkJson(root: unknown, maxDepth: number, maxValues: number): void {
  let values = 0;
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object') return;
    if (depth >= maxDepth) throw new PayloadError(`JSON payload nests deeper than ${maxDepth} levels`);
    const children = Array.isArray(value) ? value : Object.values(value);
    values += children.length;
    if (values > maxValues) throw new PayloadError(`JSON payload has more than ${maxValues} values`);
    for (const child of children) walk(child, depth + 1);
  };
  walk(root, 0);
}
