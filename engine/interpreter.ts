import { MediateError, MediationError } from './errors.js';
import type { Mediator } from './mediator.js';
import type { MessageContext } from './message/message-context.js';
import { JavaNumber } from './message/typed-value.js';

/**
 * Runs a mediator list: each in order, stopping at the first that returns false and passing that false up
 * (reference §1.3). Synchronous mediators cost no promise turn.
 */
export async function runMediators(list: readonly Mediator[], mc: MessageContext): Promise<boolean> {
  for (const mediator of list) {
    mc.current = mediator;
    let result = mc.tracer ? mc.tracer.around(mediator, mc, () => mediator.mediate(mc)) : mediator.mediate(mc);
    if (typeof result !== 'boolean') result = await result;
    if (!result) return false;
  }
  return true;
}

/**
 * The engine's entry point for one flow: runs `body` and, when it throws, does what Synapse's fault handling
 * does (reference §1.3, §7.1): set ERROR_CODE/ERROR_MESSAGE/ERROR_DETAIL, pop the top fault handler and run
 * it, trying the next one if that one fails too. With no handler left the message ends in `fault`.
 */
export async function runFlow(mc: MessageContext, body: () => Promise<boolean>): Promise<boolean> {
  try {
    return await body();
  } catch (err) {
    return handleFault(mc, asMediationError(err, mc));
  }
}

async function handleFault(mc: MessageContext, error: MediationError): Promise<boolean> {
  mc.fault = error;
  setErrorProperties(mc, error);
  let current = error;
  while (mc.faultStack.length > 0) {
    const handler = mc.faultStack.pop()!;
    try {
      const result = await handler.mediate(mc);
      if (mc.outcome === 'continue') mc.outcome = 'fault';
      return result;
    } catch (err) {
      current = asMediationError(err, mc);
      mc.runtime.logger.log('error', `the fault handler failed too: ${current.message}`);
    }
  }
  mc.fault = current;
  mc.outcome = 'fault';
  return false;
}

/** ERROR_CODE (a number), ERROR_MESSAGE, ERROR_DETAIL, ERROR_EXCEPTION; an ERROR_CODE already set is kept. */
function setErrorProperties(mc: MessageContext, error: MediationError): void {
  if (mc.properties.has('ERROR_CODE')) return;
  mc.properties.set('ERROR_CODE', new JavaNumber('INTEGER', error.errorCode));
  mc.properties.set('ERROR_MESSAGE', error.message.split('\n')[0]);
  mc.properties.set('ERROR_DETAIL', error.detail);
  mc.properties.set('ERROR_EXCEPTION', error);
}

/** Any error thrown while mediating, as a MediationError that says which mediator failed. */
export function asMediationError(err: unknown, mc: MessageContext): MediationError {
  const where = mc.current ? `<${mc.current.name}> at ${mc.current.loc.file}:${mc.current.loc.line}:${mc.current.loc.column}` : '';
  if (err instanceof MediationError) {
    // The error keeps its class (fault flows and logs tell an OAuth2 failure from a backend one by it).
    if (!err.detail && where) err.detail = where;
    return err;
  }
  const message = err instanceof MediateError || err instanceof Error ? err.message : String(err);
  return new MediationError(message, 0, { cause: err, detail: where });
}
