import type { ConfigNode } from '../engine/config/config-node.js';
import { MediationError } from '../engine/errors.js';
import { resolveDynamic, type DynamicValue } from '../engine/expression/dynamic-value.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { compileSequence } from '../engine/sequence.js';

/**
 * `<sequence key="..."/>` (reference §1.2, §2.13): runs the named sequence (static or `{dynamic}` key) and
 * returns its result. A key that does not resolve is a fault naming the key.
 */
class SequenceReference implements Mediator {
  readonly name = 'sequence';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly key: DynamicValue,
  ) {}
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const key = resolveDynamic(this.key, mc);
    const target = mc.runtime.artifacts.sequence(key);
    if (!target) throw new MediationError(`Sequence named "${key}" cannot be found`);
    return target.mediate(mc);
  }
}

export const sequence: MediatorDefinition = {
  name: 'sequence',
  attributes: { key: {}, name: {}, onError: {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const key = cx.dynamic(node, 'key');
    if (!key) return compileSequence(node, cx, node.attr('name'));
    if (node.attr('onError') !== undefined) cx.diagnostics.error(node.attrLoc('onError'), 'onError cannot be used together with key');
    if ('literal' in key) {
      cx.afterLoad(() => {
        if (!cx.artifacts.sequence(key.literal)) {
          cx.diagnostics.warn(node.attrLoc('key'), `sequence "${key.literal}" is not defined in this configuration; it must exist when a message arrives`);
        }
      });
    }
    return new SequenceReference(node.loc, key);
  },
};
