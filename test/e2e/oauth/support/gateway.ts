import { HttpClient } from '../../../../engine/endpoint/http-client.js';
import { runFlow } from '../../../../engine/interpreter.js';
import type { MessageContext } from '../../../../engine/message/message-context.js';
import { stringOf } from '../../../../engine/message/typed-value.js';
import type { MediationRegistry } from '../../../../engine/runtime.js';
import type { Sequence } from '../../../../engine/sequence.js';
import { makeMessage, makeRuntime, MemoryLogger } from '../../../support/runtime.js';
import { loadText, SYNAPSE } from '../../../support/sequences.js';

export interface OAuthTestSettings {
  readonly backendUrl: string;
  /** The whole `<oauth>` content. */
  readonly oauth: string;
  readonly method?: string;
}

/**
 * A sequence `main` calling the backend through an http endpoint with the given `<oauth>`, and Synapse's default
 * suspension (any back-end failure suspends the endpoint for 30 s): a token failure must not trigger it.
 */
export function oauthSequence({ backendUrl, oauth, method = 'get' }: OAuthTestSettings): string {
  return (
    `<sequence ${SYNAPSE} name="main"><call><endpoint name="protected"><http uri-template="${backendUrl}/resource" method="${method}">` +
    `<authentication><oauth>${oauth}</oauth></authentication></http></endpoint></call></sequence>`
  );
}

export interface Outcome {
  readonly mc: MessageContext;
  readonly status: number | undefined;
  readonly body: string;
  /** The fault, when the flow faulted. */
  readonly error: { code: number; message: string } | undefined;
}

/**
 * One loaded configuration and one runtime, as a gateway process has them; `send` runs one message through
 * `main`. The logger keeps every line, for the secret-leak checks.
 */
export class TestGateway {
  readonly logger = new MemoryLogger();
  readonly http = new HttpClient();
  private readonly main: Sequence;
  private readonly runtime;

  constructor(config: string, registry: MediationRegistry | undefined) {
    const { configuration } = loadText(config);
    this.main = configuration.sequence('main') as Sequence;
    this.runtime = makeRuntime({ artifacts: configuration, http: this.http, registry, logger: this.logger });
  }

  async send(body = '{"order": 1}'): Promise<Outcome> {
    const mc = makeMessage({ runtime: this.runtime, body, contentType: 'application/json', method: 'GET' });
    await runFlow(mc, () => this.main.mediate(mc));
    const status = mc.axis2.get('HTTP_SC');
    return {
      mc,
      status: status === undefined ? undefined : Number(stringOf(status)),
      body: mc.payload.isEmpty ? '' : mc.payload.text(),
      error: mc.fault ? { code: mc.fault.errorCode, message: mc.fault.message } : undefined,
    };
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
