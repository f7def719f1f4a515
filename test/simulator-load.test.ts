// 10,000 runs through the client at concurrency 200 against an app capped at 50.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DifyClient } from '../src/dify/dify-client.js';
import { TaskScheduler } from '../src/executor/task-scheduler.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
beforeAll(async () => {
  sim = await startSimulator({
    apps: [
      {
        id: 'load',
        api_key: 'app-load-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: { min: 1, max: 3 }, concurrency_cap: 50 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

describe('the simulator under load', () => {
  it('answers every one of 10,000 runs, loses none, and holds its concurrency cap', async () => {
    const client = new DifyClient({ apiBase: sim.apiBase, apiKey: 'app-load-key', app: 'load' });
    let rejected = 0;
    const scheduler = new TaskScheduler({
      taskFn: async (task, signal) => {
        try {
          return await client.runWorkflow(
            { inputs: task.parameters, user: 'load-run' },
            { signal },
          );
        } catch (error) {
          if ((error as { status?: number }).status === 429) rejected += 1;
          throw error;
        }
      },
    });
    const n = 10_000;
    const result = await scheduler.runManifest({
      workflowId: 'load',
      cases: Array.from({ length: n }, (_, i) => ({
        id: `case-${i}`,
        parameters: { query: `question ${i}` },
      })),
      policy: {
        concurrency: 200,
        retry: { maxAttempts: 30, backoff: 0.005, maxBackoff: 0.05 },
        timeoutPerTask: 60,
      },
    });
    expect(result.taskResults).toHaveLength(n);
    expect(result.statistics.byStatus.succeeded).toBe(n);
    result.taskResults.forEach((taskResult, i) => {
      expect((taskResult.output as { outputs: unknown }).outputs).toEqual({
        answer: `question ${i}`,
      });
    });
    const stats = sim.stats();
    expect(stats.runsStarted).toBe(n);
    expect(stats.runsFinished).toBe(n);
    expect(stats.apps.load?.maxInFlight).toBeLessThanOrEqual(50);
    expect(stats.apps.load?.inFlight).toBe(0);
    expect(stats.rejectedByCap).toBe(rejected);
    // Every run request's arrival, the refused ones too, in order: what a load test measures.
    const { arrivals } = (await (await fetch(`${sim.url}/__simulator/arrivals`)).json()) as {
      arrivals: number[];
    };
    expect(arrivals).toHaveLength(n + rejected);
    expect(arrivals.every((at, i) => i === 0 || at >= (arrivals[i - 1] ?? 0))).toBe(true);
  }, 120_000);
});
