import type { TaskResult } from './task-result.js';
import type { TaskStatus } from './task-status.js';
import { percentile } from '../stats/percentile.js';

/** Latency of completed tasks' last attempts, in milliseconds; all 0 when none completed. */
export interface LatencyStatistics {
  readonly minMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The figures of one run. "Completed" means succeeded, failed, timeout or error. */
export interface RunStatistics {
  readonly total: number;
  readonly byStatus: Readonly<Record<TaskStatus, number>>;
  readonly completed: number;
  /** succeeded / completed; 0 when nothing completed. */
  readonly successRate: number;
  /** Attempts beyond the first, summed over every task. */
  readonly totalRetries: number;
  /** Sum of completed tasks' durations, first start to finish. */
  readonly totalDurationMs: number;
  readonly averageDurationMs: number;
  readonly latency: LatencyStatistics;
  readonly totalTokens: number;
  readonly totalCost: number;
  /** Completed tasks per second of wall time. */
  readonly throughputPerSecond: number;
}

/**
 * Computes a run's statistics from its results and its wall time.
 */
export function computeRunStatistics(
  results: readonly TaskResult[],
  wallTimeMs: number,
): RunStatistics {
  const statistics = new RunStatisticsAccumulator(results.length);
  for (const result of results) statistics.add(result);
  return statistics.finish(wallTimeMs);
}

/**
 * Run statistics gathered result by result, so a run need not keep its results to count them:
 * it holds a number per task, not the results.
 */
export class RunStatisticsAccumulator {
  readonly #byStatus: Record<TaskStatus, number> = {
    pending: 0,
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timeout: 0,
    cancelled: 0,
    error: 0,
  };
  readonly #latencies: Float64Array;
  #total = 0;
  #completed = 0;
  #totalRetries = 0;
  #totalDurationMs = 0;
  #totalTokens = 0;
  #totalCost = 0;

  /** @param capacity how many results at most will be added */
  constructor(capacity: number) {
    this.#latencies = new Float64Array(capacity);
  }

  add(result: TaskResult): void {
    this.#total += 1;
    this.#byStatus[result.status] += 1;
    this.#totalRetries += Math.max(0, result.attempts - 1);
    this.#totalTokens += result.tokens ?? 0;
    this.#totalCost += result.cost ?? 0;
    if (result.status === 'cancelled') return;
    this.#totalDurationMs += result.timings.totalMs ?? 0;
    this.#latencies[this.#completed] = result.timings.durationMs ?? 0;
    this.#completed += 1;
  }

  finish(wallTimeMs: number): RunStatistics {
    const completed = this.#completed;
    const sorted = this.#latencies.slice(0, completed).sort();
    return {
      total: this.#total,
      byStatus: { ...this.#byStatus },
      completed,
      successRate: completed === 0 ? 0 : this.#byStatus.succeeded / completed,
      totalRetries: this.#totalRetries,
      totalDurationMs: this.#totalDurationMs,
      averageDurationMs: completed === 0 ? 0 : this.#totalDurationMs / completed,
      latency: {
        minMs: completed === 0 ? 0 : (sorted[0] as number),
        p50Ms: percentile(sorted, 50),
        p90Ms: percentile(sorted, 90),
        p95Ms: percentile(sorted, 95),
        p99Ms: percentile(sorted, 99),
        maxMs: completed === 0 ? 0 : (sorted[completed - 1] as number),
      },
      totalTokens: this.#totalTokens,
      totalCost: this.#totalCost,
      throughputPerSecond: wallTimeMs > 0 ? completed / (wallTimeMs / 1000) : 0,
    };
  }
}
