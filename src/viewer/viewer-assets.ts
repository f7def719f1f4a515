import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ViewerError } from './viewer-error.js';

/** The page's files, by their path on the server, with their content type. */
export type ViewerAssets = ReadonlyMap<string, { readonly type: string; readonly body: string }>;

const FILES = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
] as const;

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
 * Reads the page's files once, at start.
 * @throws ViewerError `E_VIEW_NOT_BUILT` when the page was not built (`npm run build`).
 */
export function loadAssets(folder = assetsFolder()): ViewerAssets {
  if (folder === undefined)
    throw new ViewerError(
      'E_VIEW_NOT_BUILT',
      "the viewer's page is not built: run `npm run build`",
      500,
    );
  return new Map(
    FILES.map(([path, file, type]) => [
      path,
      { type, body: readFileSync(join(folder, file), 'utf8') },
    ]),
  );
}
