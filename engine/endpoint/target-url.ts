import { parseTemplate, type Template } from 'url-template';
import { MediationError } from '../errors.js';

/** A target that would leave the endpoint's origin or climb out of its base path: refused, never sent. */
export class UnsafeTargetError extends MediationError {
  constructor(message: string) {
    super(message, undefined, { code: 'MEDIATE_UNSAFE_TARGET', httpStatus: 400 });
  }
}

/**
 * An http endpoint's uri-template (reference §5.3): RFC 6570 expansion of `uri.var.*` and `query.param.*`
 * values, percent-encoded, so a variable can never change the scheme, host or port. A template that starts
 * with `{` injects a whole URL on purpose (Synapse treats it as reserved expansion) and is exempt.
 */
export class UriTemplate {
  private readonly template: Template;
  /** The origin the template fixes literally, or null for a template that is all variable. */
  private readonly origin: string | null;
  /** Length of the literal `scheme://authority` prefix; the path starts there. */
  private readonly authorityLength: number;
  private readonly legacy: boolean;

  constructor(readonly source: string) {
    this.legacy = source.startsWith('legacy-encoding:');
    let text = this.legacy ? source.slice('legacy-encoding:'.length) : source;
    if (text.startsWith('{') && !text.startsWith('{+')) text = `{+${text.slice(1)}`;
    this.template = parseTemplate(text);
    const literal = /^[a-z][a-z0-9+.-]*:\/\/[^/{}?#]+(?=[/?#]|$)/i.exec(text);
    if (!literal && !text.startsWith('{+')) {
      throw new MediationError(`uri-template "${source}": the scheme, host and port must be written literally (only a template that is one variable, such as {uri.var.url}, may supply a whole URL)`);
    }
    this.origin = literal ? originOf(literal[0], source) : null;
    this.authorityLength = literal ? literal[0].length : 0;
  }

  expand(variables: Record<string, string>): URL {
    const values = this.legacy ? Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, safeDecode(v)])) : variables;
    const text = this.template.expand(values);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new MediationError(`the endpoint template ${this.source} expands to "${text}", which is not an absolute URL`);
    }
    if (this.origin && url.origin !== this.origin) {
      throw new UnsafeTargetError(`the endpoint template ${this.source} expanded to another origin (${url.origin}); variables may not change the scheme, host or port`);
    }
    // RFC 6570 leaves "." unencoded, so a value of ".." (or "%2e%2e" under legacy-encoding:, decoded first) makes
    // a whole segment that the URL parser resolves, climbing out of the path the template fixes.
    if (this.origin && hasDotSegment(text.slice(this.authorityLength))) {
      throw new UnsafeTargetError(`the endpoint template ${this.source} expanded to a path with "." or ".." segments (${text}); variables may not climb the template's path`);
    }
    return url;
  }
}

/** The literal `scheme://authority` must itself be a URL (`http://:1` is not): a load-time error, not a TypeError. */
function originOf(literal: string, source: string): string {
  try {
    return new URL(literal).origin;
  } catch {
    throw new MediationError(`uri-template "${source}": "${literal}" is not a valid scheme, host and port`);
  }
}

function hasDotSegment(pathAndRest: string): boolean {
  const path = pathAndRest.split(/[?#]/, 1)[0]!;
  return path.split(/[/\\]/).some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * Appends REST_URL_POSTFIX (path and query) to a base URI as Synapse joins them, without doubling a slash,
 * then checks the result stays under the base: same origin, and `..` (or `%2e%2e`) cannot climb above the base
 * path. A query in the postfix is added to the base's own query.
 */
export function appendPostfix(base: URL | string, postfix: string): URL {
  const baseUrl = typeof base === 'string' ? new URL(base) : base;
  if (!postfix) return baseUrl;
  const q = postfix.indexOf('?');
  const postPath = q < 0 ? postfix : postfix.slice(0, q);
  const postQuery = q < 0 ? '' : postfix.slice(q + 1);
  let path = baseUrl.pathname;
  if (postPath) path = path.endsWith('/') || postPath.startsWith('/') ? path.replace(/\/$/, '') + (postPath.startsWith('/') ? postPath : `/${postPath}`) : `${path}/${postPath}`;
  const url = new URL(baseUrl.origin + path);
  const query = [baseUrl.search.slice(1), postQuery].filter(Boolean).join('&');
  if (query) url.search = `?${query}`;
  const basePath = baseUrl.pathname.endsWith('/') ? baseUrl.pathname : `${baseUrl.pathname}/`;
  if (url.origin !== baseUrl.origin || !(url.pathname === baseUrl.pathname || url.pathname.startsWith(basePath))) {
    throw new UnsafeTargetError(`the resource path ${JSON.stringify(postfix)} would leave the endpoint's base path ${baseUrl.pathname}`);
  }
  return url;
}
