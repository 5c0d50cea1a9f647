import type { SourceLocation } from '../config/diagnostics.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { Mediator } from '../mediator.js';
import type { UriTemplateMatcher } from './uri-template-matcher.js';
import type { UrlMapping } from './url-mapping.js';

/** A resource's in/out/fault flow: a sequence written inline, or a sequence named by key. */
export type FlowRef = { readonly inline: Mediator } | { readonly key: string };

export type Mapping =
  | { readonly kind: 'url-mapping'; readonly matcher: UrlMapping }
  | { readonly kind: 'uri-template'; readonly matcher: UriTemplateMatcher }
  | { readonly kind: 'default' };

export interface Resource {
  /** Allowed methods; null for all. */
  readonly methods: ReadonlySet<string> | null;
  readonly mapping: Mapping;
  /** The mapping as written, for `rest.url.pattern`. */
  readonly pattern: string;
  readonly protocol: 'http' | 'https' | undefined;
  readonly contentType: string | undefined;
  readonly userAgent: RegExp | undefined;
  readonly inFlow: FlowRef | undefined;
  readonly outFlow: FlowRef | undefined;
  readonly faultFlow: FlowRef | undefined;
  readonly loc: SourceLocation;
}

export type VersionType = 'url' | 'context' | 'none';

/**
 * An API (reference §6.1): a context (with the version for the context strategy), resources, and for
 * API-manager style APIs (design.md §8) the backend endpoint and the names of the in/out/fault flows, which an
 * upload in the registry can replace at run time.
 */
export interface Api {
  readonly name: string;
  /** SYNAPSE_REST_API: the name, with `:v<version>` when a version is set. */
  readonly runtimeName: string;
  readonly context: string;
  readonly version: string | undefined;
  readonly versionType: VersionType;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  readonly resources: readonly Resource[];
  readonly endpoint: Endpoint | undefined;
  readonly flows: { readonly in?: string; readonly out?: string; readonly fault?: string } | undefined;
  readonly loc: SourceLocation;
}

/** The parts of a request dispatch looks at. */
export interface DispatchRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly pathWithQuery: string;
  readonly host: string | undefined;
  readonly protocol: 'http' | 'https';
  readonly contentType: string | undefined;
  readonly userAgent: string | undefined;
  readonly hasBody: boolean;
}

export type Dispatch =
  | {
      readonly kind: 'resource';
      readonly api: Api;
      readonly resource: Resource;
      /** REST_URL_POSTFIX: the path after the context (and version), with the query. */
      readonly postfix: string;
      readonly variables: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'options'; readonly api: Api; readonly allow: readonly string[] }
  | { readonly kind: 'no-api' }
  | { readonly kind: 'no-resource'; readonly api: Api; readonly status: 404 | 405 | 400 };

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** APIs in Synapse's selection order (reference §6.3 step 2): versioned first, then unversioned, then context `/`. */
export function orderApis(apis: readonly Api[]): Api[] {
  const rank = (a: Api) => (a.context === '/' ? 2 : a.versionType === 'none' ? 1 : 0);
  return [...apis].sort((a, b) => rank(a) - rank(b));
}

/** Selects the API and resource for a request (reference §6.3). `apis` must be in orderApis order. */
export function dispatch(apis: readonly Api[], request: DispatchRequest): Dispatch {
  const path = request.pathWithQuery.split('?')[0]!;
  for (const api of apis) {
    const postfix = apiPostfix(api, request, path);
    if (postfix === undefined) continue;
    return selectResource(api, request, postfix);
  }
  return { kind: 'no-api' };
}

function apiPostfix(api: Api, request: DispatchRequest, path: string): string | undefined {
  if (api.hostname !== undefined || api.port !== undefined) {
    if (!request.host) return undefined;
    const [host, port] = request.host.split(':');
    if (api.hostname !== undefined && host !== api.hostname) return undefined;
    const actualPort = port ? Number(port) : request.protocol === 'https' ? 443 : 80;
    if (api.port !== undefined && actualPort !== api.port) return undefined;
  }
  let prefix = api.context === '/' ? '' : api.context;
  if (prefix && !(path === prefix || path.startsWith(`${prefix}/`))) return undefined;
  if (api.versionType === 'url') {
    const versioned = `${prefix}/${api.version}`;
    if (!(path === versioned || path.startsWith(`${versioned}/`))) return undefined;
    prefix = versioned;
  }
  return request.pathWithQuery.slice(prefix.length);
}

function selectResource(api: Api, request: DispatchRequest, postfix: string): Dispatch {
  const method = request.method.toUpperCase();
  const subPath = postfix.startsWith('/') || postfix.startsWith('?') || postfix === '' ? postfix : `/${postfix}`;
  const pathOnly = subPath.split('?')[0] || '/';
  const withQuery = subPath.startsWith('?') ? `/${subPath}` : subPath || '/';
  const matching = api.resources.filter((r) => matchesPath(r, pathOnly, withQuery));
  if (matching.length === 0) return { kind: 'no-resource', api, status: 404 };
  const methodOk = matching.filter((r) => allows(r, method));
  if (methodOk.length === 0) {
    if (method === 'OPTIONS') return { kind: 'options', api, allow: allowed(matching) };
    return { kind: 'no-resource', api, status: 405 };
  }
  const acceptable = methodOk.filter((r) => filtersAccept(r, request));
  if (acceptable.length === 0) return { kind: 'no-resource', api, status: 400 };
  const resource = best(acceptable, pathOnly, withQuery);
  if (method === 'OPTIONS' && resource.methods !== null && !resource.methods.has('OPTIONS')) {
    return { kind: 'options', api, allow: allowed(matching) };
  }
  const variables = resource.mapping.kind === 'uri-template' ? (resource.mapping.matcher.match(withQuery) ?? {}) : {};
  return { kind: 'resource', api, resource, postfix, variables };
}

function matchesPath(r: Resource, pathOnly: string, withQuery: string): boolean {
  switch (r.mapping.kind) {
    case 'url-mapping':
      return r.mapping.matcher.weight(pathOnly) > 0;
    case 'uri-template':
      return r.mapping.matcher.match(withQuery) !== undefined;
    case 'default':
      return true;
  }
}

/** url-mapping resources first (the heaviest match), then uri-templates in order, then the default resource. */
function best(resources: readonly Resource[], pathOnly: string, withQuery: string): Resource {
  let bestMapping: Resource | undefined;
  let bestWeight = 0;
  for (const r of resources) {
    if (r.mapping.kind !== 'url-mapping') continue;
    const w = r.mapping.matcher.weight(pathOnly);
    if (w > bestWeight) [bestMapping, bestWeight] = [r, w];
  }
  if (bestMapping) return bestMapping;
  return resources.find((r) => r.mapping.kind === 'uri-template' && r.mapping.matcher.match(withQuery)) ?? resources.find((r) => r.mapping.kind === 'default')!;
}

/** A HEAD request is served by a resource that allows GET, as HTTP servers do. */
function allows(r: Resource, method: string): boolean {
  if (r.methods === null || r.methods.has(method)) return true;
  return method === 'HEAD' && r.methods.has('GET');
}

function allowed(resources: readonly Resource[]): string[] {
  const set = new Set<string>(['OPTIONS']);
  for (const r of resources) for (const m of r.methods ?? ALL_METHODS) set.add(m);
  return ALL_METHODS.filter((m) => set.has(m));
}

function filtersAccept(r: Resource, request: DispatchRequest): boolean {
  if (r.protocol && r.protocol !== request.protocol) return false;
  if (r.contentType && request.hasBody && (request.contentType ?? '').split(';')[0]!.trim() !== r.contentType) return false;
  if (r.userAgent && !r.userAgent.test(request.userAgent ?? '')) return false;
  return true;
}
