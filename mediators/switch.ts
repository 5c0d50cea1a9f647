import type { ConfigNode } from '../engine/config/config-node.js';
import { UNCOMPILED, type Expression } from '../engine/expression/expression.js';
import type { CompileContext, Mediator, MediatorDefinition } from '../engine/mediator.js';
import type { MessageContext } from '../engine/message/message-context.js';
import { compileBranch, runBranch, type Branch } from './support/branch.js';
import { fullMatchRegex } from './support/regex.js';

interface Case {
  readonly regex: RegExp;
  readonly branch: Branch;
}

/**
 * `<switch source="...">` (reference §2.5): the source is evaluated once; the first `<case regex>` that
 * matches the whole string runs; otherwise `<default>`; a null source goes straight to the default.
 */
class SwitchMediator implements Mediator {
  readonly name = 'switch';
  constructor(
    readonly loc: ConfigNode['loc'],
    private readonly source: Expression,
    private readonly cases: readonly Case[],
    private readonly fallback: Branch | undefined,
  ) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const value = this.source.stringValue(mc);
    if (value !== null) {
      for (const c of this.cases) {
        if (!c.regex.test(value)) continue;
        mc.tracer?.branch(`case ${c.regex.source.slice(4, -2)}`);
        return runBranch(c.branch, mc);
      }
    }
    mc.tracer?.branch(this.fallback ? 'default' : 'no case');
    return this.fallback ? runBranch(this.fallback, mc) : true;
  }
}

export const switchMediator: MediatorDefinition = {
  name: 'switch',
  attributes: { source: { required: true } },
  compile(node: ConfigNode, cx: CompileContext): Mediator {
    const source = cx.expression(node, 'source');
    const cases: Case[] = [];
    for (const c of node.childrenNamed('case')) {
      if (c.attr('regex') === undefined) {
        cx.diagnostics.error(c.loc, '<case> needs regex="..."');
        continue;
      }
      const regex = fullMatchRegex(c, 'regex', cx);
      if (regex) cases.push({ regex, branch: compileBranch(c, cx) });
    }
    const defaultNode = node.child('default');
    const fallback = defaultNode ? compileBranch(defaultNode, cx) : undefined;
    for (const child of node.children) {
      if (child.name !== 'case' && child.name !== 'default' && child.name !== 'description') {
        cx.diagnostics.warn(child.loc, `<switch> ignores <${child.name}>: only <case> and <default> are read`);
      }
    }
    return new SwitchMediator(node.loc, source ?? UNCOMPILED, cases, fallback);
  },
};
