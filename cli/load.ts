import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT_FOLDERS, ConfigLoader, type LoadResult } from '../engine/loader/loader.js';
import type { MediatorRegistry } from '../engine/mediator.js';

/** A folder with sequences/ or local-entries/ in it is a config folder, loaded as such. */
export function isConfigFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && ARTIFACT_FOLDERS.some((f) => existsSync(join(path, f)));
}

/** Loads files, folders of files and config folders into one configuration, so keys resolve across them. */
export function loadConfigPaths(mediators: MediatorRegistry, paths: readonly string[]): LoadResult {
  const loader = new ConfigLoader(mediators);
  for (const path of paths) {
    if (isConfigFolder(path)) loader.loadFolderArtifacts(path);
    else loader.loadPath(path);
  }
  return loader.finish();
}
