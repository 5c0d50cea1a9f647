import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { AUDIENCE, type AuthorizationServer } from './authorization-server.js';

/**
 * A backend (node:http on an ephemeral port of 127.0.0.1) that serves only requests bearing a valid access token
 * of the authorization server: a JWT signed with one of its published keys, issued by it, for this audience,
 * and not expired (no clock tolerance). Everything else gets 401. It can also refuse tokens it would accept,
 * as a backend does after a revocation.
 */
export class ProtectedBackend {
  requests = 0;
  accepted = 0;
  /** 401s, by why: no token, an expired one, otherwise invalid, refused on purpose. */
  readonly refusals = { missing: 0, expired: 0, invalid: 0, refused: 0 };
  /** Every Authorization header value seen, in order. */
  readonly authorizations: string[] = [];
  /** Tokens answered with 401 although valid (revoked). */
  readonly revoked = new Set<string>();
  /** Answer every request with 401. */
  refuseAll = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(idp: AuthorizationServer): Promise<ProtectedBackend> {
    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const backend = new ProtectedBackend(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      req.resume();
      backend.requests++;
      const authorization = req.headers.authorization ?? '';
      backend.authorizations.push(authorization);
      const refuse = (why: keyof ProtectedBackend['refusals']) => {
        backend.refusals[why]++;
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end(JSON.stringify({ refused: why }));
      };
      const token = /^Bearer (\S+)$/.exec(authorization)?.[1];
      if (!token) return refuse('missing');
      jwtVerify(token, jwks, { issuer: idp.issuer, audience: AUDIENCE }).then(
        ({ payload }) => {
          if (backend.refuseAll || backend.revoked.has(token)) return refuse('refused');
          backend.accepted++;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, sub: payload.sub, client_id: payload['client_id'], jti: payload.jti }));
        },
        (err: unknown) => refuse(err instanceof errors.JWTExpired ? 'expired' : 'invalid'),
      );
    });
    return backend;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
