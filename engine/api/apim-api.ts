import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';
import type { Diagnostics, SourceLocation } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import { parseYaml, yamlElement, type Locate } from '../config/yaml-reader.js';
import { compileAuthentication } from '../endpoint/endpoint-factory.js';
import { Endpoint } from '../endpoint/endpoint.js';
import { NEVER_SUSPEND } from '../endpoint/suspension.js';
import { MediateError } from '../errors.js';
import type { CompileContext } from '../mediator.js';
import type { Api, Resource } from './api.js';
import { UriTemplateMatcher } from './uri-template-matcher.js';

const TOP_KEYS = ['name', 'context', 'version', 'endpoint', 'resources', 'flows'];
const ENDPOINT_KEYS = ['url', 'timeoutMs', 'authentication'];
const FLOW_KEYS = ['in', 'out', 'fault'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** Whether a YAML API file is in the API-manager style (top-level name/context) rather than the `api:` element form. */
export function isApimStyle(text: string): boolean {
  return /^context\s*:/m.test(text) && !/^api\s*:/m.test(text);
}

/**
 * An API-manager style API (design.md §8): served at context/version; the in-flow runs, the request goes to
 * `endpoint.url` with the rest of the path appended, the response runs the out-flow, errors the fault-flow.
 * Flows are sequence names, resolved per request so that an upload replaces them without a restart.
 */
export function readApimApi(text: string, file: string, cx: CompileContext): Api | undefined {
  const diagnostics = cx.diagnostics;
  const parsed = parseYaml(text, file, diagnostics);
  if (!parsed) return undefined;
  const { root, at } = parsed;
  const start: SourceLocation = { file, line: 1, column: 1 };
  if (!isMap(root)) {
    diagnostics.error(at(root, start), 'an API file is a map with name, context, version, endpoint, resources and flows');
    return undefined;
  }
  const top = entries(root.items, TOP_KEYS, '', at, diagnostics);
  const scalar = (key: string) => {
    const node = top.get(key)?.value as YamlNode | undefined;
    return node && isScalar(node) && node.value !== null ? String(node.value) : undefined;
  };
  const name = scalar('name');
  const contextText = scalar('context');
  const version = scalar('version');
  if (!name) diagnostics.error(start, 'the API needs a name');
  if (!contextText || !contextText.startsWith('/')) {
    diagnostics.error(at(top.get('context')?.value as YamlNode, start), 'the API needs a context starting with /');
    return undefined;
  }
  const base = contextText.replace(/\/+$/, '') || '/';
  const context = version ? `${base === '/' ? '' : base}/${version}` : base;
  const endpoint = readEndpoint(top.get('endpoint'), at, start, cx, name ?? 'api');
  const resources = readResources(top.get('resources'), at, start, diagnostics);
  const flows = readFlows(top.get('flows'), at, diagnostics);
  return {
    name: name ?? '',
    runtimeName: version ? `${name}:v${version}` : (name ?? ''),
    context,
    version,
    versionType: version ? 'context' : 'none',
    hostname: undefined,
    port: undefined,
    resources,
    endpoint,
    flows,
    loc: start,
  };
}

function entries(items: readonly Pair[], known: readonly string[], path: string, at: Locate, diagnostics: Diagnostics): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const pair of items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!known.includes(key)) {
      diagnostics.error(at(pair.key as YamlNode, { file: '', line: 1, column: 1 }), `unknown key "${path}${key}"${didYouMean(key, known)}`);
      continue;
    }
    out.set(key, pair);
  }
  return out;
}

function readEndpoint(pair: Pair | undefined, at: Locate, start: SourceLocation, cx: CompileContext, apiName: string): Endpoint | undefined {
  const node = pair?.value as YamlNode | undefined;
  if (!node || !isMap(node)) {
    cx.diagnostics.error(at(node ?? (pair?.key as YamlNode), start), 'the API needs an endpoint with a url');
    return undefined;
  }
  const e = entries(node.items, ENDPOINT_KEYS, 'endpoint.', at, cx.diagnostics);
  const urlNode = e.get('url')?.value as YamlNode | undefined;
  let uri: URL;
  try {
    uri = new URL(isScalar(urlNode) ? String(urlNode.value) : '');
  } catch {
    cx.diagnostics.error(at(urlNode ?? (pair!.key as YamlNode), start), 'endpoint.url must be an absolute http(s) URL');
    return undefined;
  }
  const timeoutNode = e.get('timeoutMs')?.value as YamlNode | undefined;
  const timeoutMs = isScalar(timeoutNode) ? Number(timeoutNode.value) : undefined;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) cx.diagnostics.error(at(timeoutNode, start), 'endpoint.timeoutMs must be a number > 0');
  const authPair = e.get('authentication');
  const authNode = authPair ? yamlElement(authPair, at, cx.diagnostics) : undefined;
  return new Endpoint({
    name: `${apiName}--endpoint`,
    target: { kind: 'address', uri },
    timeoutMs,
    // API-manager style endpoints stay in service after a failure, as the API manager's own do.
    suspension: NEVER_SUSPEND,
    properties: [],
    authenticator: authNode ? compileAuthentication(authNode, cx) : undefined,
    loc: at(pair!.key as YamlNode, start),
  });
}

function readResources(pair: Pair | undefined, at: Locate, start: SourceLocation, diagnostics: Diagnostics): Resource[] {
  const node = pair?.value as YamlNode | undefined;
  if (!node || !isSeq(node)) {
    diagnostics.error(at(node ?? (pair?.key as YamlNode), start), 'the API needs resources: a list of {path, methods}');
    return [];
  }
  const resources: Resource[] = [];
  for (const item of node.items as YamlNode[]) {
    const loc = at(item, start);
    if (!isMap(item)) {
      diagnostics.error(loc, 'a resource is a map {path, methods}');
      continue;
    }
    const r = entries(item.items, ['path', 'methods'], 'resources[].', at, diagnostics);
    const pathNode = r.get('path')?.value as YamlNode | undefined;
    const path = isScalar(pathNode) ? String(pathNode.value) : '';
    if (!path.startsWith('/')) {
      diagnostics.error(at(pathNode, loc), 'a resource path starts with /');
      continue;
    }
    const methodsNode = r.get('methods')?.value as YamlNode | undefined;
    let methods: Set<string> | null = null;
    if (methodsNode && isSeq(methodsNode)) {
      methods = new Set((methodsNode.items as YamlNode[]).map((m) => (isScalar(m) ? String(m.value).toUpperCase() : '')));
      for (const m of methods) if (!METHODS.includes(m)) diagnostics.error(at(methodsNode, loc), `"${m}" is not one of ${METHODS.join(', ')}`);
    }
    try {
      resources.push({
        methods,
        mapping: { kind: 'uri-template', matcher: new UriTemplateMatcher(path) },
        pattern: path,
        protocol: undefined,
        contentType: undefined,
        userAgent: undefined,
        inFlow: undefined,
        outFlow: undefined,
        faultFlow: undefined,
        loc,
      });
    } catch (err) {
      if (!(err instanceof MediateError)) throw err;
      diagnostics.error(at(pathNode, loc), err.message);
    }
  }
  return resources;
}

function readFlows(pair: Pair | undefined, at: Locate, diagnostics: Diagnostics): Api['flows'] {
  const node = pair?.value as YamlNode | undefined;
  if (!node) return {};
  if (!isMap(node)) {
    diagnostics.error(at(node, { file: '', line: 1, column: 1 }), 'flows is a map {in, out, fault} of sequence names');
    return {};
  }
  const f = entries(node.items, FLOW_KEYS, 'flows.', at, diagnostics);
  const name = (key: string) => {
    const v = f.get(key)?.value as YamlNode | undefined;
    return isScalar(v) && v.value !== null && String(v.value) !== '' ? String(v.value) : undefined;
  };
  return { in: name('in'), out: name('out'), fault: name('fault') };
}
