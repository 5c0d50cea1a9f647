import type { ConfigNode } from '../config/config-node.js';
import type { CompileContext } from '../mediator.js';
import type { Authenticator } from './authenticator.js';

/** Compiles one child of `<authentication>` (basicAuth, digestAuth, oauth). */
export type AuthenticationFactory = (node: ConfigNode, cx: CompileContext, settings: ValueReader) => Authenticator | undefined;

/** Reads a setting that may be a literal or a `${env:NAME}` / `${file:/path}` reference (secrets). */
export type ValueReader = (node: ConfigNode, child: string, options?: { required?: boolean }) => string | undefined;

const factories = new Map<string, AuthenticationFactory>();

/** Authentication schemes register here, as mediators do in their registry. */
export function registerAuthentication(name: string, factory: AuthenticationFactory): void {
  factories.set(name, factory);
}

export function authenticationFactory(name: string): AuthenticationFactory | undefined {
  return factories.get(name);
}

export function authenticationNames(): string[] {
  return [...factories.keys()];
}
