// Lint: typescript-eslint strict type-checked, plus the layer boundaries of HOUSE_STYLE.md.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Each layer may import only the layers listed after it (HOUSE_STYLE.md §3).
const layers = {
  core: [],
  stats: [],
  executor: ['core', 'stats'],
  dify: ['core'],
  config: ['core', 'assertions'],
  assertions: ['core'],
  store: ['core'],
  queue: ['core', 'executor'],
  simulator: ['core'],
  // run starts the built-in simulator for `dify.base_url: simulator`, so the library's runSuite
  // works as the CLI does; the simulator imports only core, so no cycle can form.
  run: ['core', 'stats', 'executor', 'dify', 'config', 'assertions', 'store', 'queue', 'simulator'],
  report: ['core', 'stats', 'run', 'store', 'assertions'],
  viewer: ['core', 'stats', 'store'],
  optimizer: [
    'core',
    'stats',
    'executor',
    'run',
    'dify',
    'config',
    'store',
    'assertions',
    'report',
  ],
  cli: [
    'core',
    'stats',
    'run',
    'report',
    'optimizer',
    'executor',
    'dify',
    'config',
    'store',
    'simulator',
    'viewer',
  ],
};
const zones = Object.entries(layers).flatMap(([layer, allowed]) =>
  Object.keys(layers)
    .filter((other) => other !== layer && !allowed.includes(other))
    .map((other) => ({
      target: `./src/${layer}`,
      from: `./src/${other}`,
      message: `${layer}/ must not import ${other}/ (HOUSE_STYLE.md §3).`,
    })),
);

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', 'reports/', '.stryker-tmp/', 'node_modules/', 'bench/results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-default-export': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No barrels: export names one by one.' },
      ],
    },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
  },
  {
    // HOUSE_STYLE.md §2: a file over 500 lines is several concepts, a function over a screen
    // several functions.
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'max-lines': ['error', 500],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '*.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
    rules: { 'import-x/no-default-export': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
