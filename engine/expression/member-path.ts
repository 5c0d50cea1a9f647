import { JSONPath } from 'jsonpath-plus';

export interface PathMatch {
  readonly found: boolean;
  readonly value: unknown;
}

const NOT_FOUND: PathMatch = { found: false, value: undefined };
/** jsonpath-plus's slice test: `[1:]`, `[:-1]`, `[::2]`. */
const SLICE = /^(-?\d*):(-?\d*):?(\d*)$/u;

/**
 * A JSONPath made only of member and index steps (`$.a.b`, `$['a']`, `$.a[0]`), read by plain property
 * lookups: most json-eval paths are of this kind, and jsonpath-plus costs far more per call than the lookups.
 * The steps are jsonpath-plus's own reading of the path (`toPathArray`) and each is followed by its rule for a
 * plain step, an own property of a truthy value; so `[-1]` is the key "-1" here as there, and a string's
 * characters and `length` are its properties. Anything else the library gives meaning to is left to it.
 */
export class MemberPath {
  private constructor(private readonly steps: readonly string[]) {}

  /** The compiled path, or undefined when a step is not a plain member or index. */
  static compile(path: string): MemberPath | undefined {
    const steps: unknown[] = JSONPath.toPathArray(path);
    if (steps[0] === '$' && steps.length > 1) steps.shift();
    return steps.every(isPlainStep) ? new MemberPath(steps as string[]) : undefined;
  }

  /** What jsonpath-plus matches for a truthy root (it treats a falsy one as no input at all). */
  select(root: unknown): PathMatch {
    let value = root;
    for (const step of this.steps) {
      if (!value || !Object.hasOwn(value as object, step)) return NOT_FOUND;
      value = (value as Record<string, unknown>)[step];
    }
    return { found: true, value };
  }
}

/** The branches of jsonpath-plus's `_trace` that come before its plain property step, in their order. */
function isPlainStep(step: unknown): step is string {
  if (typeof step !== 'string') return false;
  if (step === '*' || step === '..' || step === '^' || step === '~' || step === '$') return false;
  if (SLICE.test(step) || step.startsWith('?(') || step.includes(',')) return false;
  const first = step[0];
  return first !== '(' && first !== '@' && first !== '`';
}
