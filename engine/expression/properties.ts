import type { MessageContext } from '../message/message-context.js';

/** The scope names get-property accepts as its first argument (reference §3.2.5). */
export const GET_PROPERTY_SCOPES = new Set(['axis2', 'axis2-client', 'operation', 'default', 'transport', 'registry', 'func', 'system', 'env', 'file']);

/** `To`, `MessageID`, ...: names the default scope answers before looking at properties. */
export function defaultScopeSpecial(mc: MessageContext, name: string): { value: unknown } | undefined {
  switch (name) {
    case 'To':
      return { value: mc.to ?? '' };
    case 'From':
    case 'FaultTo':
    case 'ReplyTo':
    case 'Action':
    case 'RelatesTo':
    case 'OperationName':
    case 'OperationNamespace':
      return { value: mc.properties.get(`__${name}`) ?? '' };
    case 'MessageID':
      return { value: mc.messageId };
    case 'MESSAGE_FORMAT':
      return { value: messageFormat(mc) };
    case 'FAULT':
      return { value: mc.properties.has('ERROR_CODE') && mc.outcome === 'fault' ? 'TRUE' : null };
    default:
      return undefined;
  }
}

function messageFormat(mc: MessageContext): string {
  const type = (mc.messageType ?? '').toLowerCase();
  if (type.includes('soap+xml')) return 'soap12';
  if (type === 'text/xml') return 'soap11';
  if (mc.axis2.get('HTTP_METHOD') === 'GET' && mc.payload.isEmpty) return 'get';
  return 'pox';
}

/**
 * get-property's lookup by scope. Values come back raw (a string, a JavaNumber, an element, ...) or null when
 * there is nothing, exactly the distinction Synapse's XPath and the property mediator rely on.
 */
export function lookupProperty(mc: MessageContext, scope: string, name: string): unknown {
  switch (scope) {
    case 'default': {
      const special = defaultScopeSpecial(mc, name);
      if (special) return special.value;
      if (mc.properties.has(name)) return mc.properties.get(name);
      return mc.runtime.artifacts.localEntry(name) ?? null;
    }
    case 'axis2':
      return valueOrNull(mc.axis2.get(name));
    case 'axis2-client':
      return valueOrNull(mc.axis2Client.get(name));
    case 'transport':
      return valueOrNull(mc.headers.get(name));
    case 'operation':
      return valueOrNull(mc.operation.get(name));
    case 'registry':
      return readRegistry(mc, name);
    case 'env':
      return mc.runtime.env[name] ?? '';
    case 'system':
    case 'func':
    case 'file':
      // Mediate has no Java system properties, templates or file.properties: Synapse's "missing" answer.
      return '';
    default:
      return '';
  }
}

/** `key` or `key@prop`; a missing resource or property reads as "" (reference §4.3). */
function readRegistry(mc: MessageContext, key: string): string {
  const registry = mc.runtime.registry;
  if (!registry) return '';
  const at = key.indexOf('@');
  if (at >= 0) {
    if (key.indexOf('@', at + 1) >= 0) return '';
    return registry.readProperty(key.slice(0, at), key.slice(at + 1)) ?? '';
  }
  return registry.readText(key) ?? '';
}

function valueOrNull(v: unknown): unknown {
  return v === undefined ? null : v;
}
