import type { ConfigNode } from '../config/config-node.js';
import { MediateError } from '../errors.js';
import type { CompileContext } from '../mediator.js';
import { compileSequence } from '../sequence.js';
import type { Api, FlowRef, Mapping, Resource, VersionType } from './api.js';
import { UriTemplateMatcher } from './uri-template-matcher.js';
import { UrlMapping } from './url-mapping.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'];

/** Compiles a Synapse `<api>` (reference §6.1-6.2). */
export function compileApi(node: ConfigNode, cx: CompileContext): Api | undefined {
  const name = node.attr('name');
  let context = node.attr('context');
  if (!name) cx.diagnostics.error(node.loc, '<api> needs a name');
  if (!context || !context.startsWith('/')) {
    cx.diagnostics.error(node.attrLoc('context'), '<api> needs a context starting with /');
    return undefined;
  }
  const version = node.attr('version') || undefined;
  const type = node.attr('version-type');
  let versionType: VersionType = 'none';
  if (version && type === 'url') versionType = 'url';
  else if (version && type === 'context') {
    versionType = 'context';
    context = context.replace('{version}', version);
  } else if (type && type !== 'url' && type !== 'context') {
    cx.diagnostics.error(node.attrLoc('version-type'), `version-type "${type}" is not url or context`);
  }
  while (context.length > 1 && context.endsWith('/')) context = context.slice(0, -1);
  const transports = node.attr('transports');
  if (transports !== undefined && !['http', 'https', 'http https', 'https http'].includes(transports.trim())) {
    cx.diagnostics.error(node.attrLoc('transports'), `transports "${transports}" is not http or https`);
  }
  if (node.child('handlers')) cx.diagnostics.warn(node.child('handlers')!.loc, '<handlers> are ignored: Mediate has no Java handlers');
  const resources = node.childrenNamed('resource').map((r) => compileResource(r, cx)).filter((r): r is Resource => r !== undefined);
  if (node.childrenNamed('resource').length === 0) cx.diagnostics.error(node.loc, '<api> needs at least one <resource>');
  checkDuplicates(resources, cx);
  const port = node.attr('port');
  return {
    name: name ?? '',
    runtimeName: version ? `${name}:v${version}` : (name ?? ''),
    context,
    version,
    versionType,
    hostname: node.attr('hostname'),
    port: port === undefined ? undefined : Number(port),
    resources,
    endpoint: undefined,
    flows: undefined,
    loc: node.loc,
  };
}

function compileResource(node: ConfigNode, cx: CompileContext): Resource | undefined {
  const methodsText = node.attr('methods');
  let methods: Set<string> | null = null;
  if (methodsText !== undefined) {
    methods = new Set();
    for (const m of methodsText.trim().split(/\s+/).filter(Boolean)) {
      if (!METHODS.includes(m)) cx.diagnostics.error(node.attrLoc('methods'), `"${m}" is not one of ${METHODS.join(' ')} (methods are case-sensitive)`);
      else if (methods.has(m)) cx.diagnostics.error(node.attrLoc('methods'), `method ${m} is listed twice`);
      methods.add(m);
    }
  }
  let mapping: Mapping = { kind: 'default' };
  let pattern = '';
  const urlMapping = node.attr('url-mapping');
  const uriTemplate = node.attr('uri-template');
  try {
    if (urlMapping !== undefined) {
      mapping = { kind: 'url-mapping', matcher: new UrlMapping(urlMapping) };
      pattern = urlMapping;
    } else if (uriTemplate !== undefined) {
      mapping = { kind: 'uri-template', matcher: new UriTemplateMatcher(uriTemplate) };
      pattern = uriTemplate;
    }
  } catch (err) {
    if (!(err instanceof MediateError)) throw err;
    cx.diagnostics.error(node.attrLoc(urlMapping !== undefined ? 'url-mapping' : 'uri-template'), err.message);
    return undefined;
  }
  if (node.attr('url-pattern') !== undefined) {
    cx.diagnostics.warn(node.attrLoc('url-pattern'), 'url-pattern is not a resource attribute (did you mean "url-mapping"?); Synapse ignores it, so this is a default resource');
  }
  const userAgent = node.attr('user-agent');
  const protocol = node.attr('protocol');
  return {
    methods,
    mapping,
    pattern,
    protocol: protocol === 'http' || protocol === 'https' ? protocol : undefined,
    contentType: node.attr('content-type'),
    userAgent: userAgent === undefined ? undefined : new RegExp(`^(?:${userAgent})$`),
    inFlow: flowOf(node, 'inSequence', cx),
    outFlow: flowOf(node, 'outSequence', cx),
    faultFlow: flowOf(node, 'faultSequence', cx),
    loc: node.loc,
  };
}

/** A sequence attribute wins over an inline child of the same kind (reference §6.2). */
function flowOf(node: ConfigNode, kind: 'inSequence' | 'outSequence' | 'faultSequence', cx: CompileContext): FlowRef | undefined {
  const key = node.attr(kind);
  if (key !== undefined) {
    cx.afterLoad(() => {
      if (!cx.artifacts.sequence(key)) cx.diagnostics.warn(node.attrLoc(kind), `sequence "${key}" is not defined in this configuration; it must exist when a request arrives`);
    });
    return { key };
  }
  const child = node.child(kind);
  return child ? { inline: compileSequence(child, cx, undefined) } : undefined;
}

/** Two resources with the same mapping and a shared method cannot both be reached (reference §6.2). */
function checkDuplicates(resources: readonly Resource[], cx: CompileContext): void {
  for (let i = 0; i < resources.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [resources[i]!, resources[j]!];
      if (a.pattern !== b.pattern || a.mapping.kind !== b.mapping.kind) continue;
      const shared = a.methods === null || b.methods === null || [...a.methods].some((m) => b.methods!.has(m));
      if (shared) cx.diagnostics.error(a.loc, `this resource has the same mapping "${a.pattern}" and a method in common with the resource at line ${b.loc.line}`);
    }
  }
}
