import { Diagnostics, formatDiagnostic } from '../../engine/config/diagnostics.js';
import { ConfigLoader, parseConfigText } from '../../engine/loader/loader.js';
import type { Configuration } from '../../engine/loader/configuration.js';
import { runFlow } from '../../engine/interpreter.js';
import type { MessageContext } from '../../engine/message/message-context.js';
import type { Runtime } from '../../engine/runtime.js';
import type { Sequence } from '../../engine/sequence.js';
import { builtinMediators } from '../../mediators/index.js';
import { makeMessage, makeRuntime, type MessageOptions } from './runtime.js';

export const SYNAPSE = 'xmlns="http://ws.apache.org/ns/synapse"';

/**
 * Loads configuration text (XML or YAML, by the file name's extension) into a Configuration. Throws with
 * every formatted diagnostic when the load has errors.
 */
export function loadText(text: string, file = 'test.xml'): { configuration: Configuration; diagnostics: Diagnostics } {
  const loader = new ConfigLoader(builtinMediators());
  const root = parseConfigText(text, file, loader.diagnostics);
  if (root) loader.loadArtifact(root, true);
  const result = loader.finish();
  const errors = result.diagnostics.errors;
  if (errors.length > 0) throw new Error(errors.map(formatDiagnostic).join('\n'));
  return result;
}

/** Diagnostics of loading `text`, formatted as `mediate validate` prints them. */
export function diagnose(text: string, file = 'test.xml'): string[] {
  const loader = new ConfigLoader(builtinMediators());
  const root = parseConfigText(text, file, loader.diagnostics);
  if (root) loader.loadArtifact(root, true);
  return loader.finish().diagnostics.items.map(formatDiagnostic);
}

/** Wraps mediators in a named sequence `main` of the Synapse namespace. */
export function seq(body: string, extraAttributes = ''): string {
  return `<sequence ${SYNAPSE} name="main" ${extraAttributes}>${body}</sequence>`;
}

export interface RunResult {
  readonly mc: MessageContext;
  readonly result: boolean;
  readonly runtime: Runtime & { logger: import('./runtime.js').MemoryLogger };
}

/**
 * Loads `config` (a <sequence name="main"> or a <definitions> holding one), runs one message through `main`
 * with fault handling, and returns the message afterwards.
 */
export async function run(config: string, message: MessageOptions = {}, runtime: Partial<Runtime> = {}): Promise<RunResult> {
  const { configuration } = loadText(config);
  const rt = makeRuntime({ artifacts: configuration, ...runtime });
  const mc = makeMessage({ ...message, runtime: rt });
  const main = configuration.sequence('main') as Sequence;
  const result = await runFlow(mc, () => main.mediate(mc));
  return { mc, result, runtime: rt };
}
