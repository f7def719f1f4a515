// One predictable store (#17 item 6): the project's `.dify-autoopt/runs.db`, the project being
// the nearest folder above the configuration with a package.json, a .git or a store; `runs` finds
// it again from anywhere inside.
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStorePath, projectRoot, storePathOf } from '../src/config/store-location.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { cli } from './support/cli-process.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
let project: string;

beforeAll(async () => {
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-store',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 2 },
      },
    ],
  });
  project = mkdtempSync(join(tmpdir(), 'project-'));
  writeFileSync(join(project, 'package.json'), '{}');
  mkdirSync(join(project, 'suites', 'deep'), { recursive: true });
  mkdirSync(join(project, 'src', 'lib'), { recursive: true });
  writeFileSync(
    join(project, 'suites', 'deep', 'suite.yaml'),
    `dify: {base_url: ${sim.url}}\nworkflows:\n  - id: wf\n    api_key: app-store\n    mode: workflow\n    inputs: {query: [a, b]}\n`,
  );
});
afterAll(async () => {
  await sim.close();
});

describe('the run store', () => {
  it("sits in the project's root whatever the current folder, and runs finds it from anywhere inside", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cwd-'));
    const run = await cli(
      ['run', '-c', join(project, 'suites', 'deep', 'suite.yaml'), '--no-progress'],
      elsewhere,
    ).done;
    expect(run.code, run.err).toBe(0);
    expect(existsSync(join(project, '.dify-autoopt', 'runs.db'))).toBe(true);
    expect(existsSync(join(elsewhere, '.dify-autoopt'))).toBe(false);
    const list = await cli(['runs', 'list'], join(project, 'src', 'lib')).done;
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/finished/);
  }, 30_000);

  it('says there is no store yet, and how one is made', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    writeFileSync(join(empty, 'package.json'), '{}');
    const list = await cli(['runs', 'list'], empty).done;
    expect(list.code).toBe(2);
    expect(list.err.trim()).toBe(
      `error E_NO_STORE: no run store at ${join(empty, '.dify-autoopt', 'runs.db')} yet: dify-autoopt run -c <config> makes it (or pass --store <file>)`,
    );
  });

  it('finds the root by its markers, or keeps the folder it started from', () => {
    expect(projectRoot(join(project, 'suites', 'deep'))).toBe(project);
    const bare = mkdtempSync(join(tmpdir(), 'bare-'));
    expect(projectRoot(bare)).toBe(bare);
    expect(defaultStorePath(join(project, 'src'))).toBe(join(project, '.dify-autoopt', 'runs.db'));
    const config = { store: { path: 'x/runs.db' } } as never;
    expect(storePathOf({ config, dir: join(project, 'suites') })).toBe(
      join(project, 'x', 'runs.db'),
    );
    expect(storePathOf({ config: { store: { path: '/abs/runs.db' } } as never, dir: bare })).toBe(
      '/abs/runs.db',
    );
  });
});
