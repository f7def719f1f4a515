import { describe, expect, it } from 'vitest';
import { percentile } from '../stats/percentile.js';
import { computeRunStatistics } from './run-statistics.js';
import type { TaskResult } from './task-result.js';
import type { TerminalTaskStatus } from './task-status.js';

function result(
  status: TerminalTaskStatus,
  durationMs: number | null,
  extra: Partial<TaskResult> = {},
): TaskResult {
  return {
    taskId: 't',
    workflowId: 'wf',
    dataset: undefined,
    scenario: undefined,
    promptVariant: undefined,
    status,
    output: undefined,
    error: undefined,
    metadata: {},
    attempts: 1,
    timings: { queueWaitMs: 0, durationMs, totalMs: durationMs },
    tokens: undefined,
    cost: undefined,
    ...extra,
  };
}

describe('percentile', () => {
  it('interpolates linearly between closest ranks', () => {
    const values = [1, 2, 3, 4, 5];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 95)).toBeCloseTo(4.8, 12);
    expect(percentile(values, 99)).toBeCloseTo(4.96, 12);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(5);
    expect(percentile(values, 25)).toBe(2);
    expect(percentile(values, 10)).toBeCloseTo(1.4, 12);
  });

  it('returns 0 for no values and the value for one', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7], 99)).toBe(7);
  });

  it('clamps p to 0..100', () => {
    expect(percentile([1, 2], -5)).toBe(1);
    expect(percentile([1, 2], 150)).toBe(2);
  });
});

describe('computeRunStatistics', () => {
  it('counts, rates and times mixed results, cancelled ones excluded from completed', () => {
    const results = [
      result('succeeded', 1, { attempts: 1, tokens: 10, cost: 0.5 }),
      result('succeeded', 2, { attempts: 2, tokens: 5 }),
      result('failed', 3, { attempts: 3, cost: 0.25 }),
      result('timeout', 4, { attempts: 2 }),
      result('error', 5),
      result('cancelled', null, { attempts: 0 }),
      result('cancelled', 100, { attempts: 1 }),
    ];
    const stats = computeRunStatistics(results, 2000);
    expect(stats).toEqual({
      total: 7,
      byStatus: {
        pending: 0,
        queued: 0,
        running: 0,
        succeeded: 2,
        failed: 1,
        timeout: 1,
        cancelled: 2,
        error: 1,
      },
      completed: 5,
      successRate: 0.4,
      totalRetries: 4,
      totalDurationMs: 15,
      averageDurationMs: 3,
      latency: { minMs: 1, p50Ms: 3, p90Ms: 4.6, p95Ms: 4.8, p99Ms: 4.96, maxMs: 5 },
      totalTokens: 15,
      totalCost: 0.75,
      throughputPerSecond: 2.5,
    });
  });

  it('sorts latencies numerically, not as text', () => {
    const stats = computeRunStatistics([result('succeeded', 100), result('succeeded', 9)], 1);
    expect(stats.latency).toMatchObject({ minMs: 9, maxMs: 100 });
  });

  it('reports zeros for a run where nothing completed', () => {
    const stats = computeRunStatistics([result('cancelled', null, { attempts: 0 })], 0);
    expect(stats).toMatchObject({
      total: 1,
      completed: 0,
      successRate: 0,
      totalRetries: 0,
      averageDurationMs: 0,
      latency: { minMs: 0, p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 },
      throughputPerSecond: 0,
    });
  });

  it('treats a completed result without timings as zero duration', () => {
    const stats = computeRunStatistics(
      [
        {
          ...result('error', null),
          timings: { queueWaitMs: null, durationMs: null, totalMs: null },
        },
      ],
      1000,
    );
    expect(stats).toMatchObject({ completed: 1, totalDurationMs: 0, throughputPerSecond: 1 });
  });
});
