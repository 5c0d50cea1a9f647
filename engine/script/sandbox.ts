import vm from 'node:vm';
import { MediationError } from '../errors.js';

/**
 * The host operations a script may call. Arguments and results are strings, numbers, booleans or null: no host
 * object ever reaches the script, so `x.constructor.constructor('return process')()` finds nothing to climb.
 */
export type Bridge = (operation: string, ...args: Array<string | number | boolean | null>) => string | number | boolean | null;

/**
 * The `mc` object as the script sees it, built inside the script's own realm. Every method marshals through
 * the bridge; JSON is parsed and serialised on the script's side of the boundary.
 */
const MC_SOURCE = `(function (bridge) {
  'use strict';
  const call = (op, ...args) => {
    const r = bridge(op, ...args);
    if (typeof r === 'string' && r.startsWith('\\u0000error:')) throw new Error(r.slice(7));
    return r;
  };
  const registry = Object.freeze({
    getResource: (key) => call('registry.get', String(key)),
    lookup: (key) => call('registry.get', String(key)),
    resourceExists: (key) => call('registry.exists', String(key)),
    isResourceExists: (key) => call('registry.exists', String(key)),
    newResource: (key, isDirectory) => call('registry.new', String(key), !!isDirectory),
    updateResource: (key, value) => call('registry.update', String(key), typeof value === 'string' ? value : JSON.stringify(value)),
    newNonEmptyResource: (key, isDirectory, mediaType, content, property) =>
      call('registry.newNonEmpty', String(key), String(content ?? ''), property ? String(property) : null),
    getResourceProperties: (key) => JSON.parse(call('registry.properties', String(key)) || '{}'),
    delete: (key) => call('registry.delete', String(key)),
  });
  const configuration = Object.freeze({ getRegistry: () => registry });
  // Only primitives may cross the bridge: a function or symbol is turned into text here, inside the timeout.
  const toText = (v) =>
    v === null || v === undefined ? null
    : typeof v === 'object' ? JSON.stringify(v)
    : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v
    : String(v);
  return Object.freeze({
    getPayloadJSON: () => { const t = call('payload.json'); return t === '' ? {} : JSON.parse(t); },
    setPayloadJSON: (v) => call('payload.setJson', typeof v === 'string' ? v : JSON.stringify(v)),
    getJsonText: () => call('payload.json'),
    setJsonText: (t) => call('payload.setJson', String(t)),
    setJsonObject: (v) => call('payload.setJson', JSON.stringify(v)),
    getPayloadXML: () => call('payload.xml'),
    setPayloadXML: (x) => call('payload.setXml', String(x)),
    getPayloadText: () => call('payload.text'),
    getEnvelopeXML: () => call('payload.envelope'),
    getProperty: (name) => call('property.get', String(name)),
    setProperty: (name, value, scope) => call('property.set', String(name), toText(value), scope === undefined ? 'default' : String(scope)),
    removeProperty: (name, scope) => call('property.remove', String(name), scope === undefined ? 'default' : String(scope)),
    getHeader: (name) => call('header.get', String(name)),
    setHeader: (name, value) => call('header.set', String(name), String(value)),
    getTo: () => call('to.get'),
    setTo: (to) => call('to.set', String(to)),
    getMessageID: () => call('messageId'),
    isResponse: () => call('isResponse'),
    setResponse: (v) => call('setResponse', !!v),
    getConfiguration: () => configuration,
  });
})`;

/** Marks an error result crossing the bridge (a host Error object must not cross). */
export const BRIDGE_ERROR = '\u0000error:';

/**
 * A JavaScript realm for one script mediator: no `require`, no `process`, no timers, no code generation from
 * strings; the only way out is the bridge. node:vm is not a security boundary against hostile code (Node's own
 * documentation says so): scripts are trusted-author code, and this keeps honest scripts from reaching the
 * host by accident and bounds how long they run.
 */
export class ScriptSandbox {
  private readonly context: vm.Context;
  private readonly makeMc: (bridge: Bridge) => unknown;

  constructor(private readonly timeoutMs: number) {
    // afterEvaluate: promise callbacks a script queues run inside runInContext, under the timeout; otherwise
    // they would run later on the host's queue, where `Promise.resolve().then(() => { for (;;); })` hangs it.
    this.context = vm.createContext(Object.create(null), {
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    this.makeMc = new vm.Script(MC_SOURCE).runInContext(this.context) as (bridge: Bridge) => unknown;
  }

  /** Runs `script` with `mc` bound to a fresh object over `bridge`; returns the script's completion value. */
  run(script: vm.Script, bridge: Bridge): unknown {
    this.context['mc'] = this.makeMc(guard(bridge));
    try {
      return script.runInContext(this.context, { timeout: this.timeoutMs });
    } catch (err) {
      throw scriptError(err, this.timeoutMs);
    } finally {
      this.context['mc'] = undefined;
    }
  }
}

function guard(bridge: Bridge): Bridge {
  return (operation, ...args) => {
    try {
      return bridge(operation, ...args);
    } catch (err) {
      return `${BRIDGE_ERROR}${(err as Error).message}`;
    }
  };
}

function scriptError(err: unknown, timeoutMs: number): MediationError {
  const e = err as { message?: string; code?: string; name?: string };
  if (e?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return new MediationError(`script did not finish within ${timeoutMs} ms`);
  const message = String(e?.message ?? err);
  if (/\bJava is not defined|\bjava is not defined|\bPackages is not defined/.test(message)) {
    return new MediationError(`script uses Java interop (${message}); Mediate runs plain JavaScript without a Java bridge`);
  }
  return new MediationError(`script failed: ${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${message}`);
}
