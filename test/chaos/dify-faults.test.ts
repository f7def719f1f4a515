// Faults from Dify, one scenario each, through runSuite against the simulator over real HTTP:
// what every case ended as, how many attempts it took, and that what the store kept is what
// the simulator served.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { runSuite } from '../../src/run/run-suite.js';
import { DifySimulator } from '../../src/simulator/simulator-server.js';
import { resolveSimulatorConfig } from '../../src/simulator/simulator-config.js';
import { RunStore, type ResultRecord } from '../../src/store/run-store.js';
import { recordScenario } from '../support/chaos-ledger.js';
import { FIXTURES } from '../support/fixtures.js';

const KEY = 'app-chaos-faults-key';
let dir: string;
let sim: DifySimulator;

async function startSim(port = 0): Promise<DifySimulator> {
  const { apps, config } = await resolveSimulatorConfig(
    {
      apps: [
        {
          id: 'wf',
          api_key: KEY,
          dsl: 'workflow-llm-basic.yml',
          behaviour: { latency_ms: { min: 5, max: 25 }, concurrency_cap: 6 },
        },
        // Uncapped: a run whose first byte never comes keeps its slot, as in Dify.
        {
          id: 'open',
          api_key: `${KEY}-open`,
          dsl: 'workflow-llm-basic.yml',
          behaviour: { latency_ms: 10 },
        },
      ],
    },
    `${FIXTURES}/dsl`,
  );
  return DifySimulator.start({ apps, config, port });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-faults-'));
  sim = await startSim();
});
afterAll(async () => {
  await sim.close();
});

interface Outcome {
  readonly store: RunStore;
  readonly runId: string;
  readonly status: string;
  readonly reason: string | undefined;
  readonly results: ResultRecord[];
  readonly byStatus: Record<string, number>;
  readonly attempts: number;
}

async function scenario(
  name: string,
  cases: number,
  execution: string,
  extra: Partial<Parameters<typeof runSuite>[0]> = {},
  app = 'wf',
): Promise<Outcome> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `dify: {base_url: ${sim.url}}\nworkflows:\n  - id: ${app}\n    api_key: ${app === 'wf' ? KEY : `${KEY}-${app}`}\n    mode: workflow\n    inputs: {query: "${name} case {ID}"}\n    repeat: ${String(cases)}\nexecution:\n${execution}`,
  );
  const store = RunStore.open(join(dir, `${name}.db`));
  const summary = await runSuite({
    loaded: await loadConfig(file, {}),
    store,
    toolVersion: 'chaos',
    ...extra,
  });
  const results = [...store.results(summary.runId)];
  const outcome = {
    store,
    runId: summary.runId,
    status: summary.status,
    reason: summary.reason,
    results,
    byStatus: store.countByStatus(summary.runId),
    attempts: results.reduce((sum, r) => sum + r.attempts, 0),
  };
  if (process.env.CHAOS_DEBUG === '1')
    console.log(
      name,
      JSON.stringify(
        results
          .filter((r) => r.attempts > 1 || r.status !== 'succeeded')
          .map((r) => [r.status, r.attempts, r.errorCode, r.errorMessage]),
      ),
    );
  recordScenario(name, {
    cases,
    status: outcome.status,
    byStatus: outcome.byStatus,
    attempts: outcome.attempts,
  });
  return outcome;
}

/** Every stored result is the run the simulator served: same status, same outputs. */
function expectStoredAsServed(results: readonly ResultRecord[], app = 'wf'): void {
  const served = sim.app(app).runs;
  for (const result of results) {
    if (result.workflowRunId === null) continue;
    const run = served.get(result.workflowRunId);
    expect(run, result.caseId).toBeDefined();
    if (result.status === 'succeeded') {
      expect(run?.status).toBe('succeeded');
      expect(result.outputs).toEqual(run?.outputs);
    }
  }
}

const RETRY = '  retry: {max_attempts: 8, backoff: 0.01, max_backoff: 0.2}\n';

describe('faults from Dify', () => {
  it('a 429 storm against a cap of 6: the run settles at or under the cap and every case succeeds', async () => {
    sim.faults.add({ kind: 'storm_429', count: 25 });
    const before = sim.stats().rejectedByCap;
    const o = await scenario('storm', 150, `  concurrency: 24\n${RETRY}`);
    expect(o.byStatus).toEqual({ succeeded: 150 });
    expect(o.attempts).toBeGreaterThanOrEqual(150 + 25);
    expect(sim.stats().apps.wf?.maxInFlight).toBeLessThanOrEqual(6);
    expect(sim.stats().rejectedByCap - before).toBeLessThan(40);
    expectStoredAsServed(o.results);
    o.store.close();
  });

  it('5xx bursts: each one costs one attempt, and every case still succeeds', async () => {
    sim.faults.add({ kind: 'http_5xx', count: 20, status: 502 });
    sim.faults.add({ kind: 'http_5xx', count: 10, status: 503 });
    const o = await scenario('bursts', 120, `  concurrency: 6\n${RETRY}`);
    expect(o.byStatus).toEqual({ succeeded: 120 });
    expect(o.attempts).toBe(120 + 30);
    expectStoredAsServed(o.results);
    o.store.close();
  });

  it('a slow first byte past the task timeout: exactly those cases time out, the rest succeed', async () => {
    const stopsBefore = sim.stats().stops.length;
    sim.faults.add({ kind: 'slow_first_byte', delayMs: 5000, count: 4, app: 'open' });
    const o = await scenario(
      'slow',
      40,
      '  concurrency: 4\n  timeout_per_task: 1\n  retry: {max_attempts: 1}\n',
      {},
      'open',
    );
    expect(o.byStatus).toEqual({ succeeded: 36, timeout: 4 });
    expect(o.attempts).toBe(40);
    expect(
      o.results
        .filter((r) => r.status === 'timeout')
        .every((r) => r.errorCode === 'E_TASK_TIMEOUT'),
    ).toBe(true);
    // No byte came, so no task id: there is nothing the client could ask Dify to stop.
    expect(sim.stats().stops.length - stopsBefore).toBe(0);
    expectStoredAsServed(o.results, 'open');
    o.store.close();
  });

  it('streams dropped mid-run are recovered from the run detail, with no second attempt', async () => {
    sim.faults.add({ kind: 'drop_stream', afterEvents: 2, count: 15 });
    const o = await scenario('dropped', 60, `  concurrency: 6\n${RETRY}`);
    expect(o.byStatus).toEqual({ succeeded: 60 });
    expect(o.attempts).toBe(60);
    expectStoredAsServed(o.results);
    o.store.close();
  });

  it('malformed SSE frames are skipped; the run still assembles every answer', async () => {
    sim.faults.add({ kind: 'malformed_frames', count: 20 });
    const o = await scenario('malformed', 60, `  concurrency: 6\n${RETRY}`);
    expect(o.byStatus).toEqual({ succeeded: 60 });
    expect(o.attempts).toBe(60);
    expectStoredAsServed(o.results);
    o.store.close();
  });

  it('a server that goes away and comes back: calls fail over to retries and every case succeeds once', async () => {
    const port = Number(new URL(sim.url).port);
    let stored = 0;
    let restarted: Promise<void> | undefined;
    const o = await scenario(
      'outage',
      80,
      '  concurrency: 4\n  retry: {max_attempts: 12, backoff: 0.05, max_backoff: 0.3}\n',
      {
        onResult: () => {
          stored += 1;
          if (stored === 20 && restarted === undefined) {
            restarted = (async () => {
              await sim.close();
              await new Promise((r) => setTimeout(r, 400));
              sim = await startSim(port);
            })();
          }
        },
      },
    );
    await restarted;
    expect(o.byStatus).toEqual({ succeeded: 80 });
    expect(o.attempts).toBeGreaterThan(80);
    expect(new Set(o.results.map((r) => r.caseId)).size).toBe(80);
    o.store.close();
  });

  it.each([
    ['provider_quota_exceeded', 400, 'Your quota has been exhausted.'],
    ['unauthorized', 401, 'Access token is invalid'],
  ])(
    '%s mid-run stops the run with the reason; a later --resume finishes it, each case once',
    async (code, status, message) => {
      let stored = 0;
      const o = await scenario(
        `fatal-${code}`,
        60,
        '  concurrency: 3\n  retry: {max_attempts: 3, backoff: 0.01}\n',
        {
          onResult: () => {
            stored += 1;
            if (stored === 15)
              sim.faults.add({ kind: 'http_error', status, code, message, count: 1 });
          },
        },
      );
      expect(o.status).toBe('stopped');
      expect(o.reason).toContain(message);
      expect(o.byStatus.failed).toBe(1);
      expect(o.results.find((r) => r.status === 'failed')?.errorMessage).toContain(message);
      expect(o.byStatus.succeeded).toBeLessThan(59);
      expect(o.byStatus.cancelled).toBeGreaterThan(0);
      const finishedBefore = new Map(
        o.results.filter((r) => r.status === 'succeeded').map((r) => [r.caseId, r.workflowRunId]),
      );
      const resumed = await runSuite({
        loaded: await loadConfig(join(dir, `fatal-${code}.yaml`), {}),
        store: o.store,
        toolVersion: 'chaos',
        resume: o.runId,
      });
      expect(resumed.status).toBe('finished');
      const after = [...o.store.results(o.runId)];
      expect(after).toHaveLength(60);
      // --resume does not run the failed case again (--retry-errors does); the rest are done.
      expect(o.store.countByStatus(o.runId)).toEqual({ succeeded: 59, failed: 1 });
      for (const [caseId, runId] of finishedBefore)
        expect(after.find((r) => r.caseId === caseId)?.workflowRunId).toBe(runId);
      recordScenario(`fatal-${code}-resumed`, { byStatus: o.store.countByStatus(o.runId) });
      o.store.close();
    },
  );
});
