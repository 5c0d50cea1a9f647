import { registerAuthentication } from './authentication-factory.js';
import type { Authenticator, MutableRequest } from './authenticator.js';

/** `<basicAuth>`: every request carries `Authorization: Basic base64(username:password)` (RFC 7617). */
export class BasicAuthenticator implements Authenticator {
  readonly kind = 'basicAuth';
  private readonly header: string;

  constructor(username: string, password: string) {
    this.header = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  async authorize(request: MutableRequest): Promise<void> {
    request.headers['authorization'] = this.header;
  }

  async retryAfterUnauthorized(): Promise<boolean> {
    return false;
  }
}

registerAuthentication('basicAuth', (node, _cx, read) => {
  const username = read(node, 'username', { required: true });
  const password = read(node, 'password', { required: true });
  return username === undefined || password === undefined ? undefined : new BasicAuthenticator(username, password);
});
