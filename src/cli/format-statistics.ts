import type { RunExecutionResult } from '../executor/run-execution-result.js';

/** A run's statistics as lines of text for a terminal. */
export function formatStatistics(result: RunExecutionResult): string {
  const s = result.statistics;
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const counts = Object.entries(s.byStatus)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');
  return [
    `run ${result.runId} (${result.workflowId}): ${s.total} tasks in ${(result.totalDurationMs / 1000).toFixed(2)} s`,
    `  status      ${counts}`,
    `  success     ${(s.successRate * 100).toFixed(1)}% of ${s.completed} completed, ${s.totalRetries} retries`,
    `  latency     p50 ${ms(s.latency.p50Ms)}, p95 ${ms(s.latency.p95Ms)}, p99 ${ms(s.latency.p99Ms)}, max ${ms(s.latency.maxMs)}`,
    `  throughput  ${s.throughputPerSecond.toFixed(1)} tasks/s`,
  ].join('\n');
}
