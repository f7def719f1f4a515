// Bundles the CLI into dist/cli/bin.js (and chunks loaded on demand), after `tsc` has built the
// library. One file for a command's path instead of some 150 modules: a run starts ~0.2 s
// sooner and holds less code. Packages with native code or assets, and the large ones only
// some commands load, stay in node_modules.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const external = [
  'better-sqlite3',
  'exceljs',
  'openai',
  'chart.js',
  'ajv',
  'jsonpath-plus',
  'puppeteer-core',
  // BullMQ reads its Lua scripts from its own folder at run time.
  'bullmq',
  'ioredis',
];

rmSync('dist/cli/chunks', { recursive: true, force: true });
await build({
  entryPoints: { bin: 'src/cli/bin.ts' },
  outdir: 'dist/cli',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  // CommonJS packages in an ES module bundle still call require() for node's own modules.
  banner: {
    js: "import { createRequire as __autooptRequire } from 'node:module'; const require = __autooptRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The viewer's page (client/): Preact, the table's virtualizer and Chart.js in one script for
// the browser, served by `view` from dist/web with no request leaving the machine.
rmSync('dist/web', { recursive: true, force: true });
mkdirSync('dist/web', { recursive: true });
await build({
  entryPoints: { app: 'client/main.ts' },
  outdir: 'dist/web',
  // Chart.js in a chunk of its own, loaded when the first chart is drawn.
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome115', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
await build({
  entryPoints: { app: 'client/app.css' },
  outdir: 'dist/web',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
copyFileSync('client/index.html', 'dist/web/index.html');
