import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { formatDiagnostic } from '../../engine/config/diagnostics.js';
import { createRuntime, StreamLogger } from '../../engine/default-runtime.js';
import { loadGatewayConfig } from '../../engine/config/gateway-config.js';
import { HttpClient } from '../../engine/endpoint/http-client.js';
import { runFlow } from '../../engine/interpreter.js';
import { traceJsonLines, traceText } from '../../engine/trace/trace-format.js';
import { Tracer } from '../../engine/trace/tracer.js';
import { ConfigLoader } from '../../engine/loader/loader.js';
import type { Configuration } from '../../engine/loader/configuration.js';
import { HeaderMap } from '../../engine/message/headers.js';
import { Axis2, MessageContext } from '../../engine/message/message-context.js';
import { Payload } from '../../engine/message/payload.js';
import { isElement, stringOf } from '../../engine/message/typed-value.js';
import type { FaultHandler } from '../../engine/message/message-context.js';
import { MediateError } from '../../engine/errors.js';
import type { Runtime } from '../../engine/runtime.js';
import type { Registry } from '../../registry/registry.js';
import { addRegistryOptions, openRegistryFrom, type RegistryOptions } from '../registry-options.js';
import { EXIT } from '../exit-codes.js';
import { mediatorsFor } from '../mediators.js';
import type { ExitReporter } from '../main.js';

interface RunOptions extends RegistryOptions {
  trace?: 'text' | 'json';
  body?: string;
  contentType?: string;
  header: string[];
  property: string[];
  axis2: string[];
  method?: string;
  path: string;
  sequence?: string;
}

/** What `mediate run` prints: the contract of design.md §4. */
export interface RunOutput {
  outcome: 'continue' | 'respond' | 'drop' | 'fault';
  status: number | null;
  headers: Record<string, string>;
  contentType: string | null;
  body: string;
  properties: { default: Record<string, unknown>; axis2: Record<string, unknown> };
  error: { code: number; message: string } | null;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function runCommand(report: ExitReporter): Command {
  const command = new Command('run')
    .description('run one message through a sequence, offline, and print the result as JSON')
    .argument('<sequence>', 'sequence file (.xml or .yaml)')
    .option('--body <file>', 'request body from a file, or - for standard input')
    .option('--content-type <type>', 'content type of the body')
    .option('--header <header>', "a transport header, 'Name: value' (repeatable)", collect, [])
    .option('--property <name=value>', 'a default-scope property (repeatable)', collect, [])
    .option('--axis2 <name=value>', 'an axis2-scope property such as REST_URL_POSTFIX (repeatable)', collect, [])
    .option('--method <method>', 'HTTP method (default: POST with a body, GET without)')
    .option('--path <path>', 'request path with query: the To address and REST_URL_POSTFIX', '/')
    .addOption(new Option('--sequence <name>', 'which sequence to run when the file defines several'))
    .addOption(new Option('--trace [format]', 'print what each mediator did to standard error').choices(['text', 'json']).preset('text'))
    .addHelpText(
      'after',
      `
Output: one JSON object {outcome, status, headers, contentType, body, properties, error}.
Exit status: 0 continue/respond/drop, 3 fault, 2 invalid input (file:line:col: message on stderr), 1 internal.
Example:
  echo '{"name":"pizza"}' | mediate run sequences/examples/hello.xml --body - --content-type application/json`,
    )
    .action(async (file: string, options: RunOptions) => {
      report(await runOne(file, options));
    });
  return addRegistryOptions(
    command,
    "config folder: its sequences/ and local-entries/ resolve keys, its gateway.yaml's registry is used (default: a registry in memory)",
  );
}

async function runOne(file: string, options: RunOptions): Promise<number> {
  const loader = new ConfigLoader(await mediatorsFor(options.config));
  if (options.config) loader.loadFolderArtifacts(options.config);
  loader.loadFile(file);
  const { configuration, diagnostics } = loader.finish();
  for (const d of diagnostics.items) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (diagnostics.errors.length > 0) return EXIT.INVALID_INPUT;

  const sequence = pickSequence(configuration, resolve(file), options.sequence);
  if (typeof sequence === 'string') {
    process.stderr.write(`${file}:1:1: ${sequence}\n`);
    return EXIT.INVALID_INPUT;
  }
  const logger = new StreamLogger(process.stderr);
  let registry: Registry;
  try {
    registry = await openRegistryFrom(options, 'memory', logger);
  } catch (err) {
    if (!(err instanceof MediateError)) throw err;
    process.stderr.write(`mediate run: ${err.message}\n`);
    return EXIT.INVALID_INPUT;
  }
  const http = new HttpClient(options.config ? loadGatewayConfig(options.config, { references: 'optional' }).backends : {});
  try {
    let mc: MessageContext;
    try {
      mc = buildMessage(createRuntime({ artifacts: configuration, registry, logger, http }), options);
    } catch (err) {
      process.stderr.write(`mediate run: ${(err as Error).message}\n`);
      return EXIT.INVALID_INPUT;
    }
    if (options.trace) mc.tracer = new Tracer();
    await runFlow(mc, async () => sequence.mediate(mc));
    if (mc.tracer) process.stderr.write(options.trace === 'json' ? traceJsonLines(mc.tracer.events) : traceText(mc.tracer.events));
    const output = describe(mc);
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return output.outcome === 'fault' ? EXIT.FAULT : EXIT.OK;
  } finally {
    await registry.close();
    await http.close();
  }
}

function pickSequence(configuration: Configuration, file: string, wanted: string | undefined): FaultHandler | string {
  if (wanted) return configuration.sequence(wanted) ?? `no sequence named "${wanted}"`;
  const inFile = [...configuration.sequences.entries()].filter(([, s]) => resolve(s.loc.file) === file);
  if (inFile.length === 1) return inFile[0]![1].value;
  const main = inFile.find(([name]) => name === 'main');
  if (main) return main[1].value;
  return inFile.length === 0 ? 'the file defines no sequence' : `the file defines ${inFile.length} sequences; choose one with --sequence`;
}

function buildMessage(runtime: Runtime, options: RunOptions): MessageContext {
  const headers = new HeaderMap();
  for (const h of options.header) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new Error(`--header "${h}" is not of the form 'Name: value'`);
    headers.set(h.slice(0, colon).trim(), h.slice(colon + 1).trim());
  }
  if (options.contentType) headers.set('Content-Type', options.contentType);
  const body = options.body === undefined ? Buffer.alloc(0) : readFileSync(options.body === '-' ? 0 : options.body);
  const contentType = headers.get('content-type') ?? null;
  const method = options.method ?? (body.length > 0 ? 'POST' : 'GET');
  const mc = new MessageContext(runtime, {
    payload: new Payload(body, contentType, runtime.limits.payload),
    headers,
    method,
    to: options.path,
  });
  mc.axis2.set(Axis2.REST_URL_POSTFIX, options.path);
  for (const [name, value] of pairs(options.property, '--property')) mc.properties.set(name, value);
  for (const [name, value] of pairs(options.axis2, '--axis2')) mc.setProperty('axis2', name, value);
  return mc;
}

function pairs(items: readonly string[], option: string): Array<[string, string]> {
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${option} "${item}" is not of the form name=value`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

/** The message after mediation, as the JSON contract describes it. */
export function describe(mc: MessageContext): RunOutput {
  const outcome = mc.outcome === 'send' ? 'respond' : mc.outcome;
  const sc = mc.axis2.get(Axis2.HTTP_SC);
  const defaultStatus = outcome === 'respond' ? 200 : outcome === 'drop' && !mc.isResponse ? 202 : null;
  const body = mc.payload.serialize(mc.messageType);
  return {
    outcome,
    status: sc === undefined || sc === null || sc === '' ? defaultStatus : Number(stringOf(sc)),
    headers: mc.headers.toObject(),
    contentType: mc.messageType,
    body: typeof body === 'string' ? body : body.toString('utf8'),
    properties: { default: jsonProperties(mc.properties), axis2: jsonProperties(mc.axis2) },
    error: mc.fault ? { code: mc.fault.errorCode, message: mc.fault.message } : null,
  };
}

/** Property values as JSON: typed numbers as numbers, XML as its text; internal and object values left out. */
function jsonProperties(map: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of map) {
    if (name.startsWith('__') || name === 'ERROR_EXCEPTION') continue;
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') out[name] = value;
    else if (isElement(value)) out[name] = stringOf(value);
    else if (value && typeof value === 'object' && 'toJSON' in value) out[name] = (value as { toJSON(): unknown }).toJSON();
  }
  return out;
}
