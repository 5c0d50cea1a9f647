import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type ClientAuthMethod, type ClientMetadata, type KoaContextWithOIDC, type TokenEndpointGrantContext } from 'oidc-provider';

/** The audience of the tokens the protected backend accepts. */
export const AUDIENCE = 'urn:mediate-test-backend';

export const CLIENT = { id: 'mediate-gateway', secret: 'gw-secret-5f0c1c7e-2a6b' };
/** An id and a secret that only survive client_secret_basic if they are form-URL-encoded before Base64. */
export const AWKWARD_CLIENT = { id: 'gw:client %1 x', secret: 'p:ss%20 w0rd%+&=' };
export const POST_CLIENT = { id: 'mediate-post', secret: 'post-secret-8d1e' };
export const USERS: Record<string, string> = { alice: 'wonder land:%' };

/** How the token endpoint misbehaves, for failure tests; `ok` lets oidc-provider answer. */
export type TokenEndpointMode = 'ok' | '500' | 'garbage' | 'hang';

/**
 * A real OAuth2 authorization server (oidc-provider, client_credentials and refresh_token grants, client
 * authentication by client_secret_basic and client_secret_post, JWT access tokens signed with the keys it
 * publishes at /jwks), on an ephemeral port of 127.0.0.1. In front of it sits a counter of token requests and a
 * switch that makes the token endpoint fail. The password grant, which oidc-provider does not implement, is a
 * small handler registered on the same provider: it is the only hand-written grant.
 */
export class AuthorizationServer {
  /** POST requests to the token endpoint, answered or not. */
  tokenRequests = 0;
  /**
   * Tokens issued: the client and grant the provider decoded, and how the client authenticated (an
   * Authorization header, or client_secret in the form).
   */
  readonly issued: Array<{ clientId: string; grant: string; basic: boolean; secretInForm: boolean }> = [];
  mode: TokenEndpointMode = 'ok';
  /** Access-token lifetime (expires_in) in seconds: oidc-provider requires a positive whole number. */
  ttlSeconds = 300;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly provider: Provider,
    readonly issuer: string,
  ) {}

  get tokenUrl(): string {
    return `${this.issuer}/token`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  static async start(): Promise<AuthorizationServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let self: AuthorizationServer | undefined;
    const client = (id: string, secret: string, method: ClientAuthMethod): ClientMetadata => ({
      client_id: id,
      client_secret: secret,
      token_endpoint_auth_method: method,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code', 'password'],
      response_types: ['code'],
      redirect_uris: ['https://client.test/cb'],
    });
    const provider = new Provider(issuer, {
      clients: [
        client(CLIENT.id, CLIENT.secret, 'client_secret_basic'),
        client(AWKWARD_CLIENT.id, AWKWARD_CLIENT.secret, 'client_secret_basic'),
        client(POST_CLIENT.id, POST_CLIENT.secret, 'client_secret_post'),
      ],
      features: {
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => self!.resourceServerInfo(),
        },
      },
      scopes: ['api', 'openid', 'offline_access'],
      rotateRefreshToken: false,
      ttl: {
        ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
        AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
        RefreshToken: 3600,
        Grant: 3600,
        IdToken: 300,
      },
    });
    self = new AuthorizationServer(server, provider, issuer);
    const server_ = self;
    provider.registerGrantType<{ username?: string; password?: string }>('password', (ctx) => server_.passwordGrant(ctx), ['username', 'password', 'scope']);
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      server_.issued.push({
        clientId: ctx.oidc.client!.clientId,
        grant: String(ctx.oidc.params!['grant_type']),
        basic: ctx.headers.authorization !== undefined,
        secretInForm: ctx.oidc.params!['client_secret'] !== undefined,
      });
    });
    const handler = provider.callback();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST' && req.url?.startsWith('/token') && !req.url.startsWith('/token/introspection')) {
        server_.tokenRequests++;
        if (server_.mode !== 'ok') return server_.misbehave(req, res);
      }
      handler(req, res);
    });
    return self;
  }

  private resourceServerInfo() {
    return { scope: 'api', audience: AUDIENCE, accessTokenTTL: this.ttlSeconds, accessTokenFormat: 'jwt' as const };
  }

  private misbehave(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (this.mode === '500') {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'server_error', error_description: 'the database is down' }));
    } else if (this.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
    } else {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
    }
  }

  /** Resource-owner password credentials (RFC 6749 §4.3), which oidc-provider leaves to the application. */
  private async passwordGrant(ctx: TokenEndpointGrantContext<{ username?: string; password?: string }>): Promise<void> {
    const { username, password } = ctx.oidc.params;
    if (!username || USERS[username] !== password) throw new errors.InvalidGrant('invalid resource owner credentials');
    const client = ctx.oidc.client;
    const grant = new this.provider.Grant({ accountId: username, clientId: client.clientId });
    grant.addResourceScope(AUDIENCE, 'api');
    const grantId = await grant.save();
    const token = new this.provider.AccessToken({ accountId: username, client, grantId, gty: 'password', scope: 'api' });
    token.resourceServer = new this.provider.ResourceServer(AUDIENCE, this.resourceServerInfo());
    const value = await token.save();
    ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: 'api' };
  }

  /** A refresh token for `clientId`, as an authorization-code flow would have left it (offline access). */
  async refreshTokenFor(clientId: string, accountId = 'alice'): Promise<string> {
    const client = await this.provider.Client.find(clientId);
    const grant = new this.provider.Grant({ accountId, clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(AUDIENCE, 'api');
    const grantId = await grant.save();
    const refresh = new this.provider.RefreshToken({ client: client!, accountId, grantId, scope: 'openid offline_access', resource: AUDIENCE, gty: 'authorization_code' });
    return refresh.save();
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
