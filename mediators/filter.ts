import type { ConfigNode } from '../engine/config/config-node.js';
import { UNCOMPILED, type Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { compileBranch, runBranch, type Branch } from './support/branch.js';
import { fullMatchRegex } from './support/regex.js';

type Condition =
  | { readonly kind: 'xpath'; readonly expression: Expression }
  | { readonly kind: 'regex'; readonly source: Expression; readonly regex: RegExp };

/**
 * `<filter>` (reference §2.4): `xpath="..."` (its boolean value) or `source` + `regex` (a whole-string match);
 * then the `<then>`/`<else>` branches, or the shorthand where the children are the then-branch.
 */
class FilterMediator implements Mediator {
  readonly name = 'filter';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly condition: Condition,
    private readonly then: Branch,
    private readonly otherwise: Branch | undefined,
  ) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const passed = this.test(mc);
    mc.tracer?.branch(passed ? 'then' : this.otherwise ? 'else' : 'no branch');
    if (passed) return runBranch(this.then, mc);
    return this.otherwise ? runBranch(this.otherwise, mc) : true;
  }

  private test(mc: MessageContext): boolean {
    const c = this.condition;
    if (c.kind === 'xpath') return c.expression.booleanValue(mc);
    const value = c.source.stringValue(mc);
    return value !== null && c.regex.test(value);
  }
}

export const filter: MediatorDefinition = {
  name: 'filter',
  attributes: { xpath: {}, source: {}, regex: {} },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const condition = compileCondition(node, cx);
    const thenNode = node.child('then');
    const elseNode = node.child('else');
    const then: Branch = thenNode ? compileBranch(thenNode, cx) : { mediators: cx.mediators(node.children) };
    const otherwise = thenNode && elseNode ? compileBranch(elseNode, cx) : undefined;
    return new FilterMediator(node.loc, condition ?? { kind: 'xpath', expression: UNCOMPILED }, then, otherwise);
  },
};

function compileCondition(node: ConfigNode, cx: CompileContext): Condition | undefined {
  const xpath = node.attr('xpath');
  if (xpath !== undefined) {
    if (xpath.trim() === '') {
      cx.diagnostics.error(node.attrLoc('xpath'), 'xpath is empty');
      return undefined;
    }
    const expression = cx.expression(node, 'xpath');
    return expression && { kind: 'xpath', expression };
  }
  const sourceText = node.attr('source');
  const regexText = node.attr('regex');
  if (sourceText === undefined || regexText === undefined || sourceText.trim() === '' || regexText.trim() === '') {
    cx.diagnostics.error(node.loc, '<filter> needs xpath="...", or both source="..." and regex="..."');
    return undefined;
  }
  const source = cx.expression(node, 'source');
  const regex = fullMatchRegex(node, 'regex', cx);
  return source && regex && { kind: 'regex', source, regex };
}
