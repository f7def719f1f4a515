// The run store on a full disk, on a read-only disk, and locked by another process: a clear
// error naming the file, nothing lost that was stored, and a resume once the store is usable.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { RunStore } from '../../src/store/run-store.js';
import { recordScenario } from '../support/chaos-ledger.js';
import { cli } from '../support/cli-process.js';
import { crashMidWrite } from '../support/crash-mid-write.js';
import { startSimulator } from '../support/simulator.js';

let sim: DifySimulator;
let dir: string;
const mounts: string[] = [];

/** A small tmpfs of its own (root only): a disk that can really fill up or turn read-only. */
function mountTmpfs(name: string, size: string): string | undefined {
  const target = join(dir, name);
  mkdirSync(target, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', target], {
      stdio: 'pipe',
    });
  } catch {
    return undefined;
  }
  mounts.push(target);
  return target;
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'chaos-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  }
})();

function config(name: string, db: string, cases: number, padding = 40): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `dify: {base_url: ${sim.url}}\nstore: {path: ${db}}\nworkflows:\n  - id: wf\n    api_key: app-store-key\n    mode: workflow\n    inputs: {query: "${name} case {ID} ${'padding '.repeat(padding)}"}\n    repeat: ${String(cases)}\nexecution: {concurrency: 8}\n`,
  );
  return file;
}

/** A small disk of its own holding a store with one finished run of 20 cases. */
async function twentyStoredOnOwnDisk(
  name: string,
): Promise<{ readonly disk: string; readonly db: string; readonly file: string }> {
  const disk = mountTmpfs(name, '4m');
  if (disk === undefined) throw new Error('mount failed');
  const db = join(disk, 'runs.db');
  const file = config(name, db, 20);
  expect((await cli(['run', '-c', file, '--quiet'], dir).done).code).toBe(0);
  return { disk, db, file };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-store-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-store-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 2 },
      },
    ],
  });
});
afterAll(async () => {
  for (const target of mounts) execFileSync('umount', ['-l', target]);
  await sim.close();
});

describe('the run store', () => {
  it('locked by another process: E_STORE_LOCKED naming the file, and nothing stored is lost', async () => {
    const db = join(dir, 'locked.db');
    const file = config('locked', db, 20);
    expect((await cli(['run', '-c', file, '--quiet'], dir).done).code).toBe(0);
    // Another process takes the write lock and holds it.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(db)}); db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked\\n'); setTimeout(() => {}, 60000);`,
      ],
      { cwd: process.cwd() },
    );
    await new Promise<void>((resolve) =>
      holder.stdout.once('data', () => {
        resolve();
      }),
    );
    const blocked = await cli(['run', '-c', file, '--quiet'], dir).done;
    holder.kill('SIGKILL');
    expect(blocked.code).toBe(1);
    expect(blocked.err).toContain('E_STORE_LOCKED');
    expect(blocked.err).toContain(db);
    const store = RunStore.open(db);
    const [run] = store.listRuns();
    expect(store.countByStatus(run?.id ?? '')).toEqual({ succeeded: 20 });
    store.close();
    recordScenario('store-locked', {
      exitCode: blocked.code,
      error: blocked.err.trim().split('\n')[0],
    });
  }, 30_000);

  it.skipIf(!canMount)(
    'on a read-only disk: E_STORE_UNWRITABLE, and the stored runs are still there',
    async () => {
      const { disk, db, file } = await twentyStoredOnOwnDisk('readonly');
      execFileSync('mount', ['-o', 'remount,ro', disk]);
      const refused = await cli(['run', '-c', file, '--quiet'], dir).done;
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('E_STORE_UNWRITABLE');
      expect(refused.err).toContain(db);
      const listed = await cli(['runs', 'list', '--store', db], dir).done;
      expect(listed.out).toMatch(/finished\s+passed \d+\/20 {2}Dify: succeeded 20/);
      execFileSync('mount', ['-o', 'remount,rw', disk]);
      recordScenario('store-read-only', {
        exitCode: refused.code,
        error: refused.err.trim().split('\n')[0],
      });
    },
    30_000,
  );

  it.skipIf(!canMount)(
    'left mid-write by a crash: runs list repairs it; on a read-only disk, E_STORE_UNWRITABLE saying why',
    async () => {
      const { disk, db } = await twentyStoredOnOwnDisk('crashed');
      crashMidWrite(db);
      execFileSync('mount', ['-o', 'remount,ro', disk]);
      const refused = await cli(['runs', 'list', '--store', db], dir).done;
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('E_STORE_UNWRITABLE');
      expect(refused.err).toContain('left mid-write by a crash');
      expect(refused.err).toContain(db);
      execFileSync('mount', ['-o', 'remount,rw', disk]);
      const listed = await cli(['runs', 'list', '--store', db], dir).done;
      expect(listed.code, listed.err).toBe(0);
      expect(listed.out).toMatch(/finished\s+passed \d+\/20 {2}Dify: succeeded 20/);
      recordScenario('store-crashed-mid-write', {
        readOnlyExitCode: refused.code,
        error: refused.err.trim().split('\n')[0],
        repairedExitCode: listed.code,
      });
    },
    30_000,
  );

  it.skipIf(!canMount)(
    'on a disk that fills up mid-run: E_STORE_FULL, results so far kept, and --resume finishes once there is room',
    async () => {
      // Room for the run once the filler goes: its log grows to ~40 MB before a checkpoint
      // (wal_autocheckpoint), the viewer's index (migration 7) writing into it too.
      const disk = mountTmpfs('full', '64m');
      if (disk === undefined) throw new Error('mount failed');
      const db = join(disk, 'runs.db');
      const cases = 1500;
      const file = config('full', db, cases, 0);
      // Leave the store a little room, then take it away.
      writeFileSync(join(disk, 'filler'), Buffer.alloc(63 * 1024 * 1024));
      const full = await cli(['run', '-c', file, '--no-progress'], dir).done;
      expect(full.code).toBe(1);
      expect(full.err).toContain('E_STORE_FULL');
      expect(full.err).toContain(db);
      const runId = /--resume (\S+)/.exec(full.err)?.[1];
      expect(runId).toBeDefined();
      const before = RunStore.open(db, { readonly: true });
      const kept = [...before.results(runId ?? '')]
        .filter((r) => r.status === 'succeeded')
        .map((r) => [r.caseId, r.workflowRunId] as const);
      before.close();
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(cases);
      rmSync(join(disk, 'filler'));
      const resumed = await cli(['run', '-c', file, '--quiet', '--resume', runId ?? ''], dir).done;
      expect(resumed.code, resumed.err).toBe(0);
      const after = RunStore.open(db);
      const results = [...after.results(runId ?? '')];
      after.close();
      expect(results).toHaveLength(cases);
      expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(cases);
      const byCase = new Map(results.map((r) => [r.caseId, r.workflowRunId]));
      for (const [caseId, workflowRunId] of kept) expect(byCase.get(caseId)).toBe(workflowRunId);
      recordScenario('store-full', {
        cases,
        keptWhenFull: kept.length,
        error: full.err.trim().split('\n')[0],
      });
    },
    60_000,
  );
});
