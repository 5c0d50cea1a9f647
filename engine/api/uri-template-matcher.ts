import { MediateError } from '../errors.js';

/** Characters a simple `{var}` stops at (reference §6.3.1). */
const RESERVED = ":/?#[]@!$&'()*+,;=";

export class TemplateError extends MediateError {
  constructor(message: string) {
    super('MEDIATE_BAD_URI_TEMPLATE', message);
  }
}

/** The variables a match found, URL-decoded (a literal `+` stays a `+`). */
export type TemplateVariables = Record<string, string>;

interface Part {
  readonly pattern: string;
  readonly names: readonly string[];
}

/**
 * Matches request paths against a resource's `uri-template`, as Synapse's URI template matcher does
 * (reference §6.3.1): `{var}` stops at the first reserved character or at the first character of the literal
 * after it, `{+var}` may span `/`, `{/var}` and `{.var}` take their prefix, a trailing `/*` or `*` takes any
 * rest, one extra trailing `/` is tolerated, and a template without a query part accepts any query string.
 * The template is compiled to one regular expression when the API loads.
 */
export class UriTemplateMatcher {
  private readonly regex: RegExp;
  private readonly groups: ReadonlyArray<readonly string[]>;

  constructor(readonly template: string) {
    const text = template.length > 1 && template.endsWith('/') ? template.slice(0, -1) : template;
    const q = text.indexOf('?');
    const pathPart = q < 0 ? text : text.slice(0, q);
    const queryPart = q < 0 ? undefined : text.slice(q + 1);
    const groups: string[][] = [];
    let source = '^';
    let path = pathPart;
    let rest = '';
    if (path.endsWith('/*')) {
      path = path.slice(0, -2);
      rest = '(?:/.*)?';
    } else if (path.endsWith('*')) {
      path = path.slice(0, -1);
      rest = '.*';
    }
    for (const part of compileParts(path)) {
      source += part.pattern;
      if (part.names.length) groups.push([...part.names]);
    }
    source += rest + (rest ? '' : '/?');
    if (queryPart === undefined) source += '(?:\\?.*)?';
    else {
      source += '\\?';
      for (const part of compileParts(queryPart)) {
        source += part.pattern;
        if (part.names.length) groups.push([...part.names]);
      }
    }
    this.regex = new RegExp(`${source}$`, 's');
    this.groups = groups;
  }

  /** The variables when `pathWithQuery` matches, else undefined. */
  match(pathWithQuery: string): TemplateVariables | undefined {
    const m = this.regex.exec(pathWithQuery);
    if (!m) return undefined;
    const vars: TemplateVariables = {};
    this.groups.forEach((names, i) => {
      const raw = m[i + 1] ?? '';
      const values = names.length > 1 ? raw.split(',') : [raw];
      names.forEach((name, j) => {
        vars[name] = decode(values[j] ?? '');
      });
    });
    return vars;
  }
}

function compileParts(text: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) {
      parts.push({ pattern: escape(text.slice(i)), names: [] });
      break;
    }
    if (open > i) parts.push({ pattern: escape(text.slice(i, open)), names: [] });
    const close = text.indexOf('}', open);
    if (close < 0) throw new TemplateError(`uri-template "${text}": "{" at ${open + 1} is not closed`);
    const expression = text.slice(open + 1, close);
    const next = text[close + 1];
    parts.push(expressionPart(expression, next, text));
    i = close + 1;
  }
  return parts;
}

function expressionPart(expression: string, nextLiteral: string | undefined, template: string): Part {
  const op = /^[+#./?;&]/.test(expression) ? expression[0]! : '';
  const names = (op ? expression.slice(1) : expression).split(',').map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z0-9_.%-]+$/.test(n))) throw new TemplateError(`uri-template "${template}": invalid expression {${expression}}`);
  const stop = escapeClass(RESERVED + (nextLiteral ?? ''));
  switch (op) {
    case '':
      return { pattern: `([^${stop}]*)`, names };
    case '+':
      return { pattern: '(.*?)', names };
    case '#':
      return { pattern: '(?:#(.*))?', names };
    case '.':
      return { pattern: `\\.([^${escapeClass(RESERVED + '.')}]*)`, names };
    case '/':
      return { pattern: `/([^${escapeClass(RESERVED)}]*)`, names };
    default:
      throw new TemplateError(`Unsupported template expression {${expression}} in "${template}"`);
  }
}

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function escapeClass(chars: string): string {
  return chars.replace(/[\]\\^-]/g, '\\$&');
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
