import { CLIENT, POST_CLIENT, type AuthorizationServer } from '../../oauth/support/authorization-server.js';
import type { ProtectedBackend } from '../../oauth/support/protected-backend.js';

/** The client secrets, as the nodes' environment gives them (never written in the API files). */
export const SECRETS_ENV = { CLUSTER_CLIENT_SECRET: CLIENT.secret, CLUSTER_POST_SECRET: POST_CLIENT.secret };

/**
 * The APIs every node of the test cluster serves:
 * - ProtectedAPI: the protected backend through first-class OAuth2 endpoint authentication (client_credentials).
 * - LeaseAPI: the same with another client, and short token-request timeouts, so its lease lasts
 *   1 s + 1.5 s + 2 s = 4.5 s.
 * - PingAPI: a backend call without a token (401) until an in-flow is uploaded.
 */
export function clusterApis(idp: AuthorizationServer, backend: ProtectedBackend): Record<string, string> {
  return {
    'apis/protected.yaml': oauthApi('ProtectedAPI', '/protected', backend, CLIENT.id, 'CLUSTER_CLIENT_SECRET', idp.tokenUrl),
    'apis/lease.yaml': oauthApi('LeaseAPI', '/lease', backend, POST_CLIENT.id, 'CLUSTER_POST_SECRET', idp.tokenUrl, ['authMode: payload', 'connectionTimeout: 1000', 'socketTimeout: 1500']),
    'apis/ping.yaml': `
name: PingAPI
context: /ping
version: 1.0.0
endpoint:
  url: ${backend.url}/ping
resources:
  - { path: /*, methods: [GET] }
`,
  };
}

/** An in-flow for PingAPI that answers by itself with `marker` and the registry resource gov:/cluster/greeting. */
export function pingFlow(marker: string): string {
  return `<sequence xmlns="http://ws.apache.org/ns/synapse" name="ping-in">
  <payloadFactory media-type="json">
    <format>{"flow": "$1", "greeting": "$2"}</format>
    <args><arg value="${marker}"/><arg expression="get-property('registry', 'gov:/cluster/greeting')"/></args>
  </payloadFactory>
  <respond/>
</sequence>`;
}

/** An API in front of the protected backend with first-class client_credentials authentication. */
function oauthApi(name: string, context: string, backend: ProtectedBackend, clientId: string, secretEnv: string, tokenUrl: string, settings: string[] = []): string {
  return `
name: ${name}
context: ${context}
version: 1.0.0
endpoint:
  url: ${backend.url}/api
  authentication:
    oauth:
      clientCredentials:
        clientId: ${clientId}
        clientSecret: \${env:${secretEnv}}
        tokenUrl: ${tokenUrl}
${settings.map((line) => `        ${line}\n`).join('')}resources:
  - { path: /*, methods: [GET] }
`;
}
