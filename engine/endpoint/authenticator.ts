import type { MessageContext } from '../message/message-context.js';
import type { BackendResponse, OutgoingRequest } from './http-client.js';

/**
 * Backend authentication of an endpoint (reference §5.4): adds credentials to each request and decides, when
 * the backend answers 401, whether the request is sent once more with fresh ones (a Digest challenge, an
 * OAuth2 token the backend no longer accepts).
 */
export interface Authenticator {
  /** The scheme, for messages: basicAuth, digest, oauth. */
  readonly kind: string;
  authorize(request: MutableRequest, mc: MessageContext): Promise<void>;
  /** After a 401 to an authorized request: true to send it again (at most once). */
  retryAfterUnauthorized(request: MutableRequest, response: BackendResponse, mc: MessageContext): Promise<boolean>;
}

/** A request whose headers an authenticator may change. */
export interface MutableRequest extends OutgoingRequest {
  readonly headers: Record<string, string>;
}
