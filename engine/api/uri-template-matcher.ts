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
    // The query starts at the first "?" outside an expression: the one in {?x} is an operator, to be refused as such.
    const q = queryStart(text);
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
    for (const part of compileParts(path, rest === '')) {
      source += part.pattern;
      if (part.names.length) groups.push([...part.names]);
    }
    source += rest + (rest ? '' : '/?');
    if (queryPart === undefined) source += '(?:\\?.*)?';
    else {
      source += '\\?';
      for (const part of compileParts(queryPart, false)) {
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

function queryStart(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth = Math.max(0, depth - 1);
    else if (text[i] === '?' && depth === 0) return i;
  }
  return -1;
}

/** `trailingNeedsValue`: whether a simple variable that ends the text must take at least one character. */
function compileParts(text: string, trailingNeedsValue: boolean): Part[] {
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
    parts.push(expressionPart(expression, next, text, trailingNeedsValue && next === undefined));
    i = close + 1;
  }
  return parts;
}

function expressionPart(expression: string, nextLiteral: string | undefined, template: string, trailing: boolean): Part {
  const op = /^[+#./?;&]/.test(expression) ? expression[0]! : '';
  if (op === '?' || op === ';' || op === '&') throw new TemplateError(`Unsupported template expression {${expression}} in "${template}"`);
  const names = (op ? expression.slice(1) : expression).split(',').map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z0-9_.%-]+$/.test(n))) throw new TemplateError(`uri-template "${template}": invalid expression {${expression}}`);
  // With several names the "," separates their values (Synapse's matcher reads on past it), so it cannot end them.
  const reserved = names.length > 1 ? RESERVED.replace(',', '') : RESERVED;
  const stop = escapeClass(reserved + (nextLiteral ?? ''));
  switch (op) {
    case '':
      // Synapse's matcher fails when the path runs out while a variable is still to be matched, so
      // /orders/{id} does not take /orders/ (with an empty id); a variable between literals may be empty.
      return { pattern: `([^${stop}]${trailing ? '+' : '*'})`, names };
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
