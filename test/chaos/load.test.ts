// Load: 10,000 cases at concurrency 200 against the simulator with 5% injected faults, the CLI
// in its own process: every case accounted for, and its memory flat while results stream.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { RunStore } from '../../src/store/run-store.js';
import { recordScenario } from '../support/chaos-ledger.js';
import { cli } from '../support/cli-process.js';
import { startSimulator } from '../support/simulator.js';

const CASES = 10_000;
let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-load-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-load-key',
        dsl: 'workflow-llm-basic.yml',
        // 5% of requests meet a fault: failed runs, 500s and 429s.
        behaviour: {
          latency_ms: { min: 5, max: 30 },
          failure_rate: 0.02,
          error_5xx_rate: 0.02,
          rate_429_rate: 0.01,
        },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

function rssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

describe('load', () => {
  it(`${String(CASES)} cases at concurrency 200 with 5% faults: all accounted for, memory flat`, async () => {
    const db = join(dir, 'runs.db');
    const file = join(dir, 'load.yaml');
    writeFileSync(
      file,
      `dify: {base_url: ${sim.url}}\nstore: {path: ${db}}\nworkflows:\n  - id: wf\n    api_key: app-load-key\n    mode: workflow\n    inputs: {query: "load case {ID}"}\n    repeat: ${String(CASES)}\n    assert:\n      - {type: contains, value: load}\nexecution:\n  concurrency: 200\n  retry: {max_attempts: 4, backoff: 0.01, max_backoff: 0.1}\n`,
    );
    const child = cli(['run', '-c', file, '--no-progress', '-o', join(dir, 'load.jsonl')], dir);
    const samples: { atMs: number; rssMb: number; stored: number }[] = [];
    const started = Date.now();
    const store = RunStore.open(db, {});
    let runId: string | undefined;
    const state = { exited: false };
    void child.done.then(() => {
      state.exited = true;
    });
    while (!state.exited) {
      await new Promise((r) => setTimeout(r, 100));
      const pid = child.pid;
      const rss = pid === undefined ? undefined : rssMb(pid);
      runId ??= store.listRuns()[0]?.id;
      const stored =
        runId === undefined
          ? 0
          : Object.values(store.countByStatus(runId)).reduce((a, b) => a + b, 0);
      if (rss !== undefined) samples.push({ atMs: Date.now() - started, rssMb: rss, stored });
    }
    const exit = await child.done;
    // 5% of the runs fail for good (Dify says failed): a test tool's exit 1, with the count.
    expect(exit.code, exit.err).toBe(1);
    expect(exit.err).toMatch(/^\d+ of 10000 cases did not pass/m);
    runId ??= store.listRuns()[0]?.id;
    const byStatus = store.countByStatus(runId ?? '');
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    store.close();
    expect(total).toBe(CASES);
    // Every case ended as Dify last answered it: succeeded, or failed by a run Dify failed.
    expect(Object.keys(byStatus).every((s) => s === 'succeeded' || s === 'failed')).toBe(true);
    expect(byStatus.failed ?? 0).toBeLessThan(CASES * 0.05);
    const lines = readFileSync(join(dir, 'load.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(CASES);
    // Memory: once the run is under way (a quarter stored), it no longer grows with the cases.
    const running = samples.filter((s) => s.stored > CASES * 0.25 && s.stored < CASES);
    expect(running.length).toBeGreaterThan(5);
    const early = Math.max(...running.filter((s) => s.stored < CASES * 0.5).map((s) => s.rssMb));
    const late = Math.max(...running.filter((s) => s.stored >= CASES * 0.75).map((s) => s.rssMb));
    const peak = Math.max(...samples.map((s) => s.rssMb));
    expect(late).toBeLessThan(early * 1.5);
    expect(peak).toBeLessThan(300);
    recordScenario('load-10k-c200-5pct-faults', {
      cases: CASES,
      byStatus,
      wallMs: Date.now() - started,
      rssMbAtHalf: Math.round(early),
      rssMbLate: Math.round(late),
      rssMbPeak: Math.round(peak),
    });
  }, 180_000);
});
