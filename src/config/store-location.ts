import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { LoadedConfig } from './load-config.js';

/** Where a run store is when nothing says otherwise, relative to the project's root. */
export const DEFAULT_STORE = '.dify-autoopt/runs.db';

// What marks a project's root folder.
const MARKERS = ['.dify-autoopt', 'package.json', '.git'];

/**
 * The project's root folder for `from` (a folder): the nearest folder at or above it holding a
 * `.dify-autoopt` store, a `package.json` or a `.git`; `from` itself when none does.
 */
export function projectRoot(from: string): string {
  const start = resolve(from);
  for (let dir = start; ; dir = dirname(dir)) {
    if (MARKERS.some((marker) => existsSync(join(dir, marker)))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * A configuration's run store: its `store.path`, relative to the project's root (found from the
 * configuration's folder), so a run and `runs` from anywhere in the project meet the same store.
 */
export function storePathOf(loaded: Pick<LoadedConfig, 'config' | 'dir'>): string {
  const path = loaded.config.store.path;
  return isAbsolute(path) ? path : resolve(projectRoot(loaded.dir), path);
}

/** The store `runs` and `report` read without `--store`: the project's, found from `cwd`. */
export function defaultStorePath(cwd = process.cwd()): string {
  return resolve(projectRoot(cwd), DEFAULT_STORE);
}
