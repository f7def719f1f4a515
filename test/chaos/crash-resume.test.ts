// Real crashes: the built CLI SIGKILLed at random moments twenty times in a row, each time
// resumed; every case stored exactly once, nothing that finished run again, the store intact.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/seeded-random.js';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { RunStore } from '../../src/store/run-store.js';
import { recordScenario } from '../support/chaos-ledger.js';
import { cli } from '../support/cli-process.js';
import { startSimulator } from '../support/simulator.js';

const CASES = 800;
const KILLS = 20;
let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-crash-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-crash-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: { min: 20, max: 60 } },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

/**
 * SQLite's integrity check of the store, read as `runs list` reads it: a kill mid-write can
 * leave a journal only a writer rolls back, which the store's read-only open repairs first.
 */
function integrity(path: string): string {
  RunStore.open(path, { readonly: true }).close();
  const db = new Database(path, { readonly: true });
  try {
    return String(
      (db.pragma('integrity_check') as { integrity_check: string }[])[0]?.integrity_check,
    );
  } finally {
    db.close();
  }
}

describe('SIGKILL and --resume', () => {
  it(`survives ${String(KILLS)} kills at random moments: each case stored once, nothing finished run again`, async () => {
    const db = join(dir, 'runs.db');
    const file = join(dir, 'crash.yaml');
    writeFileSync(
      file,
      `dify: {base_url: ${sim.url}}\nstore: {path: ${db}}\nworkflows:\n  - id: wf\n    api_key: app-crash-key\n    mode: workflow\n    inputs: {query: "crash case {ID}"}\n    repeat: ${String(CASES)}\nexecution: {concurrency: 2}\n`,
    );
    const random = createSeededRandom(20261124);
    const firstStored = new Map<string, string | null>();
    let runId: string | undefined;
    let killedMidRun = 0;
    for (let kill = 0; kill < KILLS; kill += 1) {
      const args = [
        'run',
        '-c',
        file,
        '--no-progress',
        ...(runId === undefined ? [] : ['--resume', runId]),
      ];
      const child = cli(args, dir);
      // From start-up (before the store is open) to deep in the run.
      const delayMs = 200 + Math.floor(random() * 1400);
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      const exit = await child.done;
      if (exit.signal === 'SIGKILL') killedMidRun += 1;
      // Killed before it created the store: nothing to check yet.
      if (!existsSync(db)) continue;
      expect(integrity(db)).toBe('ok');
      const store = RunStore.open(db);
      runId ??= store.listRuns()[0]?.id;
      if (runId !== undefined) {
        for (const result of store.results(runId)) {
          if (result.status !== 'succeeded') continue;
          const earlier = firstStored.get(result.caseId);
          // A case once stored keeps its Dify run: it was never run again.
          if (earlier !== undefined) expect(result.workflowRunId).toBe(earlier);
          else firstStored.set(result.caseId, result.workflowRunId);
        }
      }
      store.close();
    }
    expect(killedMidRun).toBeGreaterThanOrEqual(KILLS - 2);
    expect(runId).toBeDefined();
    const final = await cli(['run', '-c', file, '--no-progress', '--resume', runId ?? ''], dir)
      .done;
    expect(final.code, final.err).toBe(0);
    expect(integrity(db)).toBe('ok');
    const store = RunStore.open(db);
    const results = [...store.results(runId ?? '')];
    store.close();
    expect(results).toHaveLength(CASES);
    expect(new Set(results.map((r) => r.caseId)).size).toBe(CASES);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    for (const result of results) {
      const earlier = firstStored.get(result.caseId);
      if (earlier !== undefined) expect(result.workflowRunId).toBe(earlier);
    }
    // The simulator's view: for every case, the stored run is the last one Dify saw for it.
    const lastRunByQuery = new Map<string, string>();
    for (const run of sim.app('wf').runs.values())
      lastRunByQuery.set(String(run.inputs.query), run.id);
    const storedRuns = new Set(results.map((r) => r.workflowRunId));
    expect([...lastRunByQuery.values()].every((id) => storedRuns.has(id))).toBe(true);
    const served = sim.app('wf').runs.size;
    // Only cases in flight when a kill came ran twice: per kill, at most the 2 running and the
    // 2 whose results were waiting for the end of that event-loop turn to be committed.
    expect(served).toBeLessThanOrEqual(CASES + 2 * 2 * KILLS);
    recordScenario('sigkill-resume', {
      kills: KILLS,
      killedMidRun,
      storedBeforeTheLastResume: firstStored.size,
      cases: CASES,
      difyRunsServed: served,
      rerunBecauseInFlightAtAKill: served - CASES,
    });
  }, 120_000);
});
