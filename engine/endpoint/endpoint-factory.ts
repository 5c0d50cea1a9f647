import type { ConfigNode } from '../config/config-node.js';
import { resolveReference } from '../config/gateway-config.js';
import { didYouMean } from '../config/suggest.js';
import { MediateError } from '../errors.js';
import type { DynamicValue } from '../expression/dynamic-value.js';
import type { CompileContext } from '../mediator.js';
import { WRITABLE_SCOPES, type WritableScope } from '../message/message-context.js';
import type { Authenticator } from './authenticator.js';
import { authenticationFactory, authenticationNames, type ValueReader } from './authentication-factory.js';
import './authentication-schemes.js';
import { Endpoint, type EndpointProperty, type EndpointTarget } from './endpoint.js';
import { NEVER_SUSPEND, SYNAPSE_DEFAULT_SUSPENSION, type SuspensionPolicy } from './suspension.js';
import { UriTemplate } from './target-url.js';

/** An endpoint written inline, or a reference to a named one by (possibly dynamic) key. */
export type EndpointRef = { readonly endpoint: Endpoint } | { readonly key: DynamicValue };

/** What call and send use when they name no endpoint: the message's To address (reference §2.6, §2.7). */
export const TO_ADDRESS: EndpointRef = {
  endpoint: new Endpoint({
    name: 'implicit',
    target: { kind: 'default' },
    timeoutMs: undefined,
    suspension: NEVER_SUSPEND,
    properties: [],
    authenticator: undefined,
    loc: { file: '', line: 0, column: 0 },
  }),
};

const UNSUPPORTED_KINDS: Record<string, string> = {
  wsdl: 'WSDL endpoints are not supported',
  loadbalance: 'load-balance endpoints are not supported',
  failover: 'failover endpoints are not supported',
  recipientlist: 'recipient-list endpoints are not supported',
  template: 'endpoint templates are not supported',
};
const METHODS = ['get', 'post', 'put', 'delete', 'head', 'patch', 'options'];

/** Compiles `<endpoint>` (reference §5.1): inline, named, or `key="..."`. */
export function compileEndpointRef(node: ConfigNode, cx: CompileContext): EndpointRef | undefined {
  if (node.attr('key') !== undefined) {
    const key = cx.dynamic(node, 'key');
    if (key && 'literal' in key) {
      cx.afterLoad(() => {
        if (!cx.artifacts.endpoint(key.literal)) {
          cx.diagnostics.warn(node.attrLoc('key'), `endpoint "${key.literal}" is not defined in this configuration; it must exist when a message arrives`);
        }
      });
    }
    return key ? { key } : undefined;
  }
  const endpoint = compileEndpoint(node, cx);
  return endpoint ? { endpoint } : undefined;
}

export function compileEndpoint(node: ConfigNode, cx: CompileContext): Endpoint | undefined {
  // <session> belongs to load balancing, which is refused by name below.
  const kinds = node.children.filter((c) => !['property', 'description', 'session'].includes(c.name));
  if (kinds.length !== 1) {
    cx.diagnostics.error(node.loc, '<endpoint> needs exactly one of <address>, <http> or <default>');
    return undefined;
  }
  const leaf = kinds[0]!;
  const why = UNSUPPORTED_KINDS[leaf.name];
  if (why) {
    cx.diagnostics.error(leaf.loc, `unsupported endpoint <${leaf.name}>: ${why}`);
    return undefined;
  }
  const target = compileTarget(leaf, cx);
  if (!target) return undefined;
  checkQosChildren(leaf, cx);
  return new Endpoint({
    name: node.attr('name'),
    target,
    timeoutMs: timeoutOf(leaf, cx),
    suspension: suspensionOf(leaf, cx),
    properties: propertiesOf(node, cx),
    authenticator: leaf.name === 'http' && leaf.child('authentication') ? compileAuthentication(leaf.child('authentication')!, cx) : undefined,
    loc: node.loc,
  });
}

function compileTarget(leaf: ConfigNode, cx: CompileContext): EndpointTarget | undefined {
  switch (leaf.name) {
    case 'address': {
      const uri = leaf.attr('uri');
      if (!uri) {
        cx.diagnostics.error(leaf.loc, '<address> needs uri="..."');
        return undefined;
      }
      try {
        return { kind: 'address', uri: new URL(uri) };
      } catch {
        cx.diagnostics.error(leaf.attrLoc('uri'), `"${uri}" is not an absolute URI`);
        return undefined;
      }
    }
    case 'http': {
      const template = leaf.attr('uri-template');
      if (!template) {
        cx.diagnostics.error(leaf.loc, '<http> needs uri-template="..."');
        return undefined;
      }
      const method = leaf.attr('method')?.toLowerCase();
      if (method !== undefined && !METHODS.includes(method)) {
        cx.diagnostics.warn(leaf.attrLoc('method'), `method "${leaf.attr('method')}" is not an HTTP method; the incoming method is kept`);
      }
      try {
        return { kind: 'http', template: new UriTemplate(template), method: method && METHODS.includes(method) ? method.toUpperCase() : undefined };
      } catch (err) {
        if (!(err instanceof MediateError)) throw err;
        cx.diagnostics.error(leaf.attrLoc('uri-template'), err.message);
        return undefined;
      }
    }
    case 'default':
      return { kind: 'default' };
  }
  cx.diagnostics.error(leaf.loc, `<${leaf.name}> is not an endpoint kind${didYouMean(leaf.name, ['address', 'http', 'default'])}`);
  return undefined;
}

/** WS-* switches: security and reliable messaging cannot be ignored silently; addressing is only warned about. */
function checkQosChildren(leaf: ConfigNode, cx: CompileContext): void {
  for (const child of leaf.children) {
    if (child.name === 'enableSec' || child.name === 'enableRM') {
      cx.diagnostics.error(child.loc, `unsupported <${child.name}>: ignoring it would send messages without the protection the configuration asks for`);
    } else if (child.name === 'enableAddressing') {
      cx.diagnostics.warn(child.loc, '<enableAddressing> is ignored: Mediate sends no WS-Addressing headers');
    }
  }
}

function numberChild(node: ConfigNode | undefined, name: string, cx: CompileContext): number | undefined {
  const child = node?.child(name);
  if (!child) return undefined;
  const n = Number(child.text.trim());
  if (child.text.trim() === '' || !Number.isFinite(n)) {
    cx.diagnostics.error(child.loc, `<${name}> must be a number, not "${child.text.trim()}"`);
    return undefined;
  }
  return n;
}

function timeoutOf(leaf: ConfigNode, cx: CompileContext): number | undefined {
  const timeout = leaf.child('timeout');
  if (!timeout) return undefined;
  const action = timeout.child('responseAction')?.text.trim();
  if (action !== undefined && action !== 'fault' && action !== 'discard' && action !== 'never') {
    cx.diagnostics.error(timeout.child('responseAction')!.loc, `<responseAction> must be fault, discard or never, not "${action}"`);
  }
  return numberChild(timeout, 'duration', cx);
}

function codesOf(node: ConfigNode | undefined): number[] | undefined {
  const text = node?.child('errorCodes')?.text.trim();
  if (!text) return undefined;
  return text.split(',').map((c) => Number(c.trim())).filter((c) => Number.isFinite(c));
}

function suspensionOf(leaf: ConfigNode, cx: CompileContext): SuspensionPolicy {
  const suspend = leaf.child('suspendOnFailure');
  const mark = leaf.child('markForSuspension');
  const legacySeconds = numberChild(leaf, 'suspendDurationOnFailure', cx);
  const initial = numberChild(suspend, 'initialDuration', cx) ?? (legacySeconds !== undefined ? legacySeconds * 1000 : undefined);
  const d = SYNAPSE_DEFAULT_SUSPENSION;
  return {
    suspendCodes: codesOf(suspend) ?? d.suspendCodes,
    initialDurationMs: initial === undefined || initial < 0 ? d.initialDurationMs : initial,
    progressionFactor: numberChild(suspend, 'progressionFactor', cx) ?? d.progressionFactor,
    maximumDurationMs: numberChild(suspend, 'maximumDuration', cx) ?? d.maximumDurationMs,
    timeoutCodes: codesOf(mark) ?? d.timeoutCodes,
    retriesBeforeSuspension: numberChild(mark, 'retriesBeforeSuspension', cx) ?? d.retriesBeforeSuspension,
    retryDelayMs: numberChild(mark, 'retryDelay', cx) ?? d.retryDelayMs,
  };
}

function propertiesOf(node: ConfigNode, cx: CompileContext): EndpointProperty[] {
  return node.childrenNamed('property').flatMap((p) => {
    const name = p.attr('name');
    if (!name) {
      cx.diagnostics.error(p.loc, '<property> in <endpoint> needs a name');
      return [];
    }
    const scope = (p.attr('scope') ?? 'default') as WritableScope;
    if (!(WRITABLE_SCOPES as readonly string[]).includes(scope)) {
      cx.diagnostics.error(p.attrLoc('scope'), `scope "${scope}" is not one of ${WRITABLE_SCOPES.join(', ')}`);
    }
    const value = p.attr('value');
    return [{ name, value, expression: value === undefined ? cx.expression(p, 'expression') : undefined, scope }];
  });
}

/** `<authentication>` of an http endpoint (reference §5.4): exactly one scheme. */
export function compileAuthentication(auth: ConfigNode, cx: CompileContext): Authenticator | undefined {
  if (auth.children.length !== 1) {
    cx.diagnostics.error(auth.loc, `<authentication> needs exactly one of ${authenticationNames().map((n) => `<${n}>`).join(', ')}`);
    return undefined;
  }
  const scheme = auth.children[0]!;
  const factory = authenticationFactory(scheme.name);
  if (!factory) {
    cx.diagnostics.error(scheme.loc, `unknown authentication <${scheme.name}>${didYouMean(scheme.name, authenticationNames())}`);
    return undefined;
  }
  return factory(scheme, cx, readValue(cx));
}

/** Setting values: the child's text (or, in YAML, the attribute), with `${env:...}` and `${file:...}` resolved. */
function readValue(cx: CompileContext): ValueReader {
  return (node, child, options) => {
    const element = node.child(child);
    const raw = element ? element.text.trim() : node.attr(child);
    if (raw === undefined || raw === '') {
      if (options?.required) cx.diagnostics.error(node.loc, `<${node.name}> needs <${child}>`);
      return undefined;
    }
    try {
      return resolveReference(raw, process.env);
    } catch (err) {
      cx.diagnostics.error(element?.loc ?? node.attrLoc(child), `<${child}>: ${(err as Error).message}`);
      return undefined;
    }
  };
}
