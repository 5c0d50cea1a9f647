import vm from 'node:vm';
import type { ConfigNode } from '../engine/config/config-node.js';
import { MediationError } from '../engine/errors.js';
import { resolveDynamic, type DynamicValue } from '../engine/expression/dynamic-value.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext, WritableScope } from '../engine/message/message-context.js';
import { isElement, stringOf } from '../engine/message/typed-value.js';
import { ScriptSandbox, type Bridge } from '../engine/script/sandbox.js';
import { parseXml, serializeXml } from '../engine/xml/dom.js';
import { firstBodyChild } from '../engine/xml/soap.js';

/** Languages that mean JavaScript; Rhino/Nashorn names are accepted for plain-JS scripts. */
const JS_LANGUAGES = new Set(['js', 'javascript', 'rhinoJs', 'nashornJs', 'graalJs']);
/** The scopes `mc.setProperty(name, value, scope)` honours; others are ignored, as in Synapse (no registry). */
const SCRIPT_SCOPES: readonly string[] = ['default', 'axis2', 'transport', 'operation'];

type Code = { readonly inline: vm.Script } | { readonly key: DynamicValue; readonly fn: string; readonly includes: readonly string[] };

/**
 * `<script language="js">` (reference §2.15): runs JavaScript against Synapse's `mc` API. The flow stops only
 * when the script's value (last expression, or the function's return value) is the boolean false. Registry
 * writes made through `mc.getConfiguration().getRegistry()` are applied when the script has finished.
 */
class ScriptMediator implements Mediator {
  readonly name = 'script';
  private sandbox: ScriptSandbox | undefined;
  private readonly compiled = new Map<string, vm.Script>();

  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly code: Code,
  ) {}

  async mediate(mc: MessageContext): Promise<boolean> {
    this.sandbox ??= new ScriptSandbox(mc.runtime.limits.scriptTimeoutMs);
    const session = new BridgeSession(mc);
    try {
      return this.sandbox.run(this.script(mc), session.bridge) !== false;
    } finally {
      // Synapse writes to the registry as the script calls it, so writes made before an exception stay made.
      await session.flush();
    }
  }

  private script(mc: MessageContext): vm.Script {
    if ('inline' in this.code) return this.code.inline;
    const key = resolveDynamic(this.code.key, mc);
    const source = [...this.code.includes, key].map((k) => loadScript(mc, k)).join('\n');
    const text = `${source}\n;${this.code.fn}(mc);`;
    let script = this.compiled.get(text);
    if (!script) {
      script = compileScript(text, key);
      this.compiled.set(text, script);
    }
    return script;
  }
}

function loadScript(mc: MessageContext, key: string): string {
  const entry = mc.runtime.artifacts.localEntry(key);
  if (entry !== undefined) return isElement(entry) ? (entry.textContent ?? '') : entry;
  const text = mc.runtime.registry?.readText(key);
  if (text === null || text === undefined) throw new MediationError(`script "${key}" not found in local entries or the registry`);
  return text;
}

function compileScript(text: string, filename: string): vm.Script {
  try {
    return new vm.Script(text, { filename });
  } catch (err) {
    throw new MediationError(`script "${filename}" does not compile: ${(err as Error).message}`);
  }
}

/** The host side of one script run: what each `mc` method does to the message. */
class BridgeSession {
  private readonly pending: Array<() => Promise<unknown>> = [];
  /** Registry changes made during this run, visible to the script's own later reads. */
  private readonly overlay = new Map<string, string | null>();

  constructor(private readonly mc: MessageContext) {}

  readonly bridge: Bridge = (op, ...args) => {
    const mc = this.mc;
    const [a, b, c] = args;
    switch (op) {
      case 'payload.json': {
        const v = mc.payload.json();
        return v === undefined ? '' : JSON.stringify(v);
      }
      case 'payload.setJson':
        mc.payload.setJson(JSON.parse(String(a)));
        return null;
      case 'payload.xml': {
        const first = firstBodyChild(mc.payload.envelope());
        return first ? serializeXml(first) : null;
      }
      case 'payload.setXml':
        mc.payload.setXml(parseXml(String(a)).documentElement);
        return null;
      case 'payload.text':
        return mc.payload.text();
      case 'payload.envelope':
        return serializeXml(mc.payload.envelope());
      case 'property.get': {
        const v = mc.properties.get(String(a));
        return v === undefined || v === null ? null : typeof v === 'boolean' || typeof v === 'number' ? v : stringOf(v);
      }
      case 'property.set': {
        const scope = String(c);
        if (SCRIPT_SCOPES.includes(scope)) mc.setProperty(scope as WritableScope, String(a), b);
        return null;
      }
      case 'property.remove': {
        const scope = String(b);
        if (SCRIPT_SCOPES.includes(scope)) mc.removeProperty(scope as WritableScope, String(a));
        return null;
      }
      case 'header.get':
        return mc.headers.get(String(a)) ?? null;
      case 'header.set':
        mc.headers.set(String(a), String(b));
        return null;
      case 'to.get':
        return mc.to;
      case 'to.set':
        mc.to = String(a);
        return null;
      case 'messageId':
        return mc.messageId;
      case 'isResponse':
        return mc.isResponse;
      case 'setResponse':
        mc.isResponse = a === true;
        return null;
    }
    return this.registryOperation(op, String(a), b, c);
  };

  private registryOperation(op: string, key: string, b: unknown, c: unknown): string | boolean | null {
    const registry = this.mc.runtime.registry;
    if (!registry) throw new Error('no registry is configured');
    const current = () => (this.overlay.has(key) ? this.overlay.get(key)! : registry.readText(key));
    switch (op) {
      case 'registry.get':
        return current();
      case 'registry.exists':
        return current() !== null;
      case 'registry.properties':
        return JSON.stringify(registry.readProperties(key) ?? {});
      case 'registry.new':
        if (current() === null) this.change(key, '', () => registry.write(key, ''));
        return null;
      case 'registry.newNonEmpty': {
        const property = c === null ? undefined : String(c);
        this.change(key, property ? '' : String(b), () => registry.write(key, String(b), property));
        return null;
      }
      case 'registry.update':
        if (current() !== null) this.change(key, String(b), () => registry.update(key, String(b)));
        return null;
      case 'registry.delete':
        this.change(key, null, () => registry.delete(key));
        return null;
    }
    throw new Error(`unknown mc operation ${op}`);
  }

  private change(key: string, value: string | null, apply: () => Promise<unknown>): void {
    this.overlay.set(key, value);
    this.pending.push(apply);
  }

  async flush(): Promise<void> {
    for (const apply of this.pending.splice(0)) await apply();
  }
}

/** E4X literals (`mc.setPayloadXML(<a/>)`) and its `..*::` operator only ever worked in Rhino. */
function looksLikeE4X(code: string): boolean {
  return /(\(|=|return|,)\s*<[A-Za-z_][\w:.-]*[\s>/]/.test(code) || /\.\.\*::|\.\.[A-Za-z_]+::/.test(code);
}

export const script: MediatorDefinition = {
  name: 'script',
  attributes: { language: { required: true }, key: {}, function: {}, target: {}, 'target-variable': {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const language = node.attr('language') ?? '';
    if (language && !JS_LANGUAGES.has(language)) {
      cx.diagnostics.error(node.attrLoc('language'), `script language "${language}" is not supported: Mediate runs JavaScript (language="js")`);
      return new ScriptMediator(node.loc, { inline: new vm.Script('') });
    }
    const key = cx.dynamic(node, 'key');
    if (key) {
      const fn = node.attr('function') ?? 'mediate';
      if (!/^[A-Za-z_$][\w$]*$/.test(fn)) cx.diagnostics.error(node.attrLoc('function'), `function "${fn}" is not a JavaScript identifier`);
      const includes = node.childrenNamed('include').map((i) => i.attr('key') ?? '').filter(Boolean);
      return new ScriptMediator(node.loc, { key, fn, includes });
    }
    if (node.attr('function') !== undefined) cx.diagnostics.error(node.attrLoc('function'), 'function="..." needs key="..."');
    const code = node.text;
    if (/\bJava\.type\s*\(|\bjava\.(lang|util|io|net)\./.test(code)) {
      cx.diagnostics.warn(node.loc, 'the script uses Java interop (Java.type / java.*), which fails at run time: Mediate has no Java bridge');
    }
    try {
      return new ScriptMediator(node.loc, { inline: new vm.Script(code, { filename: `${node.loc.file}:${node.loc.line}` }) });
    } catch (err) {
      const message = looksLikeE4X(code)
        ? '<script> uses E4X XML literals (Rhino-only syntax), which a modern JavaScript engine does not parse'
        : `<script> does not compile: ${(err as Error).message}`;
      cx.diagnostics.error(node.loc, message);
      return new ScriptMediator(node.loc, { inline: new vm.Script('') });
    }
  },
};
