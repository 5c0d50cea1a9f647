/**
 * Synapse and Micro Integrator elements that Mediate knows but does not implement. A configuration using one is
 * refused by name and line (corpus/expectations.md rule 3): skipping it would change what the sequence does.
 */
export const UNSUPPORTED_MEDIATORS = new Set([
  'aggregate', 'bean', 'builder', 'cache', 'call-template', 'callout', 'clone', 'conditionalRouter',
  'datamapper', 'dblookup', 'dbreport', 'ejb', 'enqueue', 'entitlementService', 'event', 'eventPublisher', 'fastXSLT', 'foreach',
  'iterate', 'jsontransform', 'makefault', 'ntlm', 'oauthService', 'pojoCommand', 'publishEvent', 'rewrite',
  'rule', 'scatter-gather', 'smooks', 'spring', 'store', 'throttle', 'transaction', 'validate', 'variable',
  'xquery', 'xslt',
]);

/** Top-level artifacts other than sequences and local entries, with why they are refused. */
export const UNSUPPORTED_ARTIFACTS: Record<string, string> = {
  proxy: 'Mediate serves REST APIs, not proxy services',
  task: 'scheduled tasks are not supported',
  messageStore: 'message stores are not supported',
  messageProcessor: 'message processors are not supported',
  eventSource: 'event sources are not supported',
  priorityExecutor: 'priority executors are not supported',
  template: 'sequence and endpoint templates are not supported',
  import: 'connector imports are not supported',
  inboundEndpoint: 'inbound endpoints are not supported',
};
