import type { ConfigNode } from '../engine/config/config-node.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';

/**
 * WSO2 API Manager's analytics and usage hooks, under their APIM 1.x–2.0 package (`usage.publisher`) and their
 * later one (`gateway.handlers.analytics`). They publish statistics and leave the message alone, so a sequence
 * means the same without them: API Manager's stock fault sequences call them (corpus json_fault.xml).
 */
const ANALYTICS_HOOKS: ReadonlySet<string> = new Set(
  ['org.wso2.carbon.apimgt.usage.publisher', 'org.wso2.carbon.apimgt.gateway.handlers.analytics'].flatMap((pkg) =>
    [
      'APIMgtFaultHandler',
      'APIMgtResponseHandler',
      'APIMgtUsageHandler',
      'APIMgtThrottleUsageHandler',
      'APIMgtGoogleAnalyticsTrackingHandler',
    ].map((cls) => `${pkg}.${cls}`),
  ),
);

/**
 * `<class name="…">` (reference §2.16) runs a Java mediator, which Mediate cannot load. The API Manager
 * analytics hooks are no-ops; any other class is refused when the configuration loads, because skipping it
 * would silently change what the sequence does (docs/compatibility.md, "The class mediator").
 */
export const classMediator: MediatorDefinition = {
  name: 'class',
  attributes: { name: { required: true } },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const className = node.attr('name');
    if (className !== undefined && !ANALYTICS_HOOKS.has(className)) {
      cx.diagnostics.error(node.attrLoc('name'), `unsupported class mediator "${className}": write a Mediate mediator plug-in instead`);
    }
    return { name: 'class', loc: node.loc, mediate: () => true };
  },
};
