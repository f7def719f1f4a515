// Installable as a command (#17 item 7): what `npm pack` would publish, and `dify-autoopt` on the
// PATH after a global install of the project (the same link `npm link` makes).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

let prefix: string;
let project: string;

beforeAll(async () => {
  prefix = mkdtempSync(join(tmpdir(), 'global-'));
  project = mkdtempSync(join(tmpdir(), 'installed-'));
  // --ignore-scripts: the build has already run (npm run check builds before the tests).
  await run(
    npm,
    ['install', '-g', '--prefix', prefix, resolve('.'), '--ignore-scripts', '--no-audit'],
    { env: { ...process.env, npm_config_fund: 'false' } },
  );
}, 120_000);
afterAll(() => {
  rmSync(prefix, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

describe('the package', () => {
  it('publishes the built CLI and library with a bin, engines and a build before pack', async () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      bin: Record<string, string>;
      engines: Record<string, string>;
      scripts: Record<string, string>;
      files: string[];
    };
    expect(manifest.bin['dify-autoopt']).toBe('dist/cli/bin.js');
    expect(manifest.engines['node']).toMatch(/^>=20/);
    // npm runs `prepare` before `npm pack` and `npm publish`: a tarball always holds a fresh build.
    expect(manifest.scripts['prepare']).toContain('npm run build');
    const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const [packed] = JSON.parse(stdout) as [{ files: PackedFile[] }];
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain('dist/cli/bin.js');
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('README.md');
    expect(paths).toContain('LICENSE');
    // No tests, sources or benchmarks in what users install.
    expect(paths.filter((path) => /\.test\.|^src\/|^test\/|^bench\//.test(path))).toEqual([]);
    expect(readFileSync('dist/cli/bin.js', 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('answers as `dify-autoopt` on the PATH after a global install, from any folder', async () => {
    const env = {
      ...process.env,
      PATH: `${join(prefix, 'bin')}${delimiter}${process.env['PATH'] ?? ''}`,
    };
    const version = await run('dify-autoopt', ['--version'], { cwd: project, env });
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(manifest.version);
  });

  it('runs the quickstart offline in a project of its own, its store in that project', async () => {
    writeFileSync(join(project, 'package.json'), '{"private": true}');
    cpSync('examples/quickstart.yaml', join(project, 'quickstart.yaml'));
    cpSync('examples/dsl', join(project, 'dsl'), { recursive: true });
    const env = {
      ...process.env,
      CI: 'true',
      PATH: `${join(prefix, 'bin')}${delimiter}${process.env['PATH'] ?? ''}`,
    };
    const { stdout } = await run('dify-autoopt', ['run', '-c', 'quickstart.yaml'], {
      cwd: project,
      env,
    });
    expect(stdout).toMatch(/pass rate +100\.0%/);
    expect(existsSync(join(project, '.dify-autoopt', 'runs.db'))).toBe(true);
  }, 60_000);
});
