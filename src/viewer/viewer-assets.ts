import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ViewerError } from './viewer-error.js';

/** The page's files, by their path on the server, with their content type. */
export type ViewerAssets = ReadonlyMap<string, { readonly type: string; readonly body: string }>;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The folder the build bundles the page into (`dist/web`): looked for beside and above this
 * module, which is `dist/viewer/` when built by tsc, `dist/cli/chunks/` when bundled, and
 * `src/viewer/` in the tests.
 */
export function assetsFolder(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from, up = 0; up < 4; dir = dirname(dir), up += 1)
    for (const candidate of [join(dir, 'web'), join(dir, 'dist', 'web')])
      if (existsSync(join(candidate, 'index.html'))) return candidate;
  return undefined;
}

/**
 * Reads the page's files once, at start: `index.html` at `/`, the script, its chunks and the
 * style sheet at their paths.
 * @throws ViewerError `E_VIEW_NOT_BUILT` when the page was not built (`npm run build`).
 */
export function loadAssets(folder = assetsFolder()): ViewerAssets {
  if (folder === undefined)
    throw new ViewerError(
      'E_VIEW_NOT_BUILT',
      "the viewer's page is not built: run `npm run build`",
      500,
    );
  const assets = new Map<string, { type: string; body: string }>();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const file = join(entry.parentPath, entry.name);
    const path = `/${relative(folder, file).split(sep).join('/')}`;
    assets.set(path === '/index.html' ? '/' : path, { type, body: readFileSync(file, 'utf8') });
  }
  return assets;
}
