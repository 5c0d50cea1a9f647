import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { ConfigNode, SYNAPSE_NS } from '../config/config-node.js';
import { Diagnostics } from '../config/diagnostics.js';
import { readXmlConfig } from '../config/xml-reader.js';
import { readYamlConfig } from '../config/yaml-reader.js';
import { compileApi } from '../api/api-factory.js';
import { isApimStyle, readApimApi } from '../api/apim-api.js';
import { compileEndpoint } from '../endpoint/endpoint-factory.js';
import type { MediatorRegistry } from '../mediator.js';
import type { ArtifactLookup, LocalEntryValue } from '../runtime.js';
import { compileSequence } from '../sequence.js';
import { firstChildElement } from '../xml/dom.js';
import { Compiler } from './compiler.js';
import { Configuration } from './configuration.js';
import { UNSUPPORTED_ARTIFACTS } from './unsupported.js';

export interface LoadResult {
  readonly configuration: Configuration;
  readonly diagnostics: Diagnostics;
}

/** The folders of a config directory that hold artifacts, in load order (design.md §4). */
export const ARTIFACT_FOLDERS = ['local-entries', 'endpoints', 'sequences', 'apis'] as const;

const CONFIG_EXTENSIONS = new Set(['.xml', '.yaml', '.yml']);

export function parseConfigText(text: string, file: string, diagnostics: Diagnostics): ConfigNode | undefined {
  const ext = extname(file).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? readYamlConfig(text, file, diagnostics) : readXmlConfig(text, file, diagnostics);
}

/**
 * Loads configuration files into one Configuration: named sequences and local entries, from single-artifact
 * files or Synapse `<definitions>` files, which are split into their artifacts. Every problem of every file is
 * collected; the caller decides whether errors are fatal.
 */
export class ConfigLoader {
  readonly configuration: Configuration;
  readonly diagnostics = new Diagnostics();
  private readonly compiler: Compiler;
  private readonly files = new Set<string>();

  constructor(mediatorTypes: MediatorRegistry, parent?: ArtifactLookup) {
    this.configuration = new Configuration(parent);
    this.compiler = new Compiler(mediatorTypes, this.diagnostics, this.configuration);
  }

  /** Loads files (and the XML/YAML files of folders given), then runs the cross-file checks. */
  load(paths: readonly string[]): LoadResult {
    for (const path of paths) this.loadPath(path);
    return this.finish();
  }

  /** Loads a config directory: its local-entries/, endpoints/, sequences/ and apis/ folders. */
  loadFolder(dir: string): LoadResult {
    this.loadFolderArtifacts(dir);
    return this.finish();
  }

  loadFolderArtifacts(dir: string): void {
    for (const folder of ARTIFACT_FOLDERS) {
      const path = join(dir, folder);
      if (existsSync(path)) this.loadPath(path);
    }
  }

  finish(): LoadResult {
    this.compiler.runAfterLoadChecks();
    return { configuration: this.configuration, diagnostics: this.diagnostics };
  }

  /** A file, or every XML/YAML file of a folder (sorted by name). */
  loadPath(path: string): void {
    if (existsSync(path) && statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (CONFIG_EXTENSIONS.has(extname(entry).toLowerCase())) this.loadFile(join(path, entry));
      }
      return;
    }
    this.loadFile(path);
  }

  /** Loads one file; a file already loaded (by path) is not loaded twice. */
  loadFile(file: string): void {
    const path = resolve(file);
    if (this.files.has(path)) return;
    this.files.add(path);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      this.diagnostics.error({ file, line: 1, column: 1 }, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    if (/\.ya?ml$/i.test(file) && isApimStyle(text)) {
      const api = readApimApi(text, file, this.compiler);
      if (api) this.define(this.configuration.apis, 'API', api.runtimeName, api, api);
      return;
    }
    const root = parseConfigText(text, file, this.diagnostics);
    if (root) this.loadArtifact(root, true);
  }

  /** Loads one top-level element; `standalone` is false for the children of `<definitions>`. */
  loadArtifact(node: ConfigNode, standalone: boolean): void {
    if (node.namespace !== SYNAPSE_NS) {
      const ns = node.namespace ? `namespace "${node.namespace}"` : 'no namespace';
      this.diagnostics.error(node.loc, `<${node.name}> is in ${ns}, not in the Synapse namespace ${SYNAPSE_NS}`);
      return;
    }
    switch (node.name) {
      case 'definitions':
        if (!standalone) this.diagnostics.error(node.loc, '<definitions> cannot be nested');
        else for (const child of node.children) if (child.name !== 'description') this.loadArtifact(child, false);
        return;
      case 'sequence':
        return this.loadSequence(node);
      case 'localEntry':
        return this.loadLocalEntry(node);
      case 'endpoint':
        return this.loadEndpoint(node);
      case 'api': {
        const api = compileApi(node, this.compiler);
        if (api) this.define(this.configuration.apis, 'API', api.runtimeName, api, node);
        return;
      }
      case 'registry':
        this.diagnostics.warn(node.loc, '<registry> is ignored: Mediate configures its registry in gateway.yaml (docs/registry.md)');
        return;
    }
    const why = UNSUPPORTED_ARTIFACTS[node.name];
    this.diagnostics.error(node.loc, why ? `unsupported artifact <${node.name}>: ${why}` : `<${node.name}> is not a configuration artifact Mediate can load`);
  }

  private loadSequence(node: ConfigNode): void {
    const name = node.attr('name');
    if (node.attr('key') !== undefined) {
      this.diagnostics.error(node.attrLoc('key'), 'a top-level <sequence> is a definition: it takes name="...", not key="..."');
      return;
    }
    if (!name) {
      this.diagnostics.error(node.loc, '<sequence> needs a name');
      return;
    }
    const sequence = compileSequence(node, this.compiler, name);
    this.define(this.configuration.sequences, 'sequence', name, sequence, node);
  }

  private loadEndpoint(node: ConfigNode): void {
    const name = node.attr('name');
    if (!name) {
      this.diagnostics.error(node.loc, 'a top-level <endpoint> needs a name');
      return;
    }
    const endpoint = compileEndpoint(node, this.compiler);
    if (endpoint) this.define(this.configuration.endpoints, 'endpoint', name, endpoint, node);
  }

  private loadLocalEntry(node: ConfigNode): void {
    const key = node.attr('key');
    if (!key) {
      this.diagnostics.error(node.loc, '<localEntry> needs a key');
      return;
    }
    const src = node.attr('src');
    let value: LocalEntryValue | undefined;
    if (src !== undefined) {
      const path = src.startsWith('file:') ? src.slice('file:'.length) : src;
      const full = resolve(node.loc.file, '..', path);
      try {
        value = readFileSync(full, 'utf8');
      } catch {
        this.diagnostics.warn(node.attrLoc('src'), `local entry "${key}": ${src} cannot be read; the entry is left undefined`);
        return;
      }
    } else {
      value = (node.element && firstChildElement(node.element)) || node.text.trim();
    }
    this.define(this.configuration.localEntries, 'local entry', key, value, node);
  }

  private define<T>(map: Map<string, { value: T; loc: ConfigNode['loc'] }>, kind: string, name: string, value: T, node: Pick<ConfigNode, 'loc'>): void {
    const existing = map.get(name);
    if (existing) {
      this.diagnostics.error(
        node.loc,
        `${kind} "${name}" is defined twice: here and at ${existing.loc.file}:${existing.loc.line}:${existing.loc.column}`,
      );
      return;
    }
    map.set(name, { value, loc: node.loc });
  }
}
