import type { RunState, RunStore } from '../store/run-store.js';
import { ENDED_STATUSES } from '../store/result-facts.js';
import type { JudgeUsage } from './judge-runner.js';

/** What a run did. */
export interface SuiteSummary {
  readonly runId: string;
  readonly status: RunState;
  /** Why the run stopped early, if it did. */
  readonly reason: string | undefined;
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Cases that passed: Dify said succeeded and their assertions passed. */
  readonly passed: number;
  /** Passed out of the cases that ended, 0..1. */
  readonly passRate: number;
  readonly perWorkflow: Readonly<
    Record<string, { readonly total: number; readonly passed: number }>
  >;
  readonly totalTokens: number;
  readonly totalCost: number;
  readonly wallMs: number;
  /** The judge's calls, cache hits and failures, when a judge graded. */
  readonly judge: JudgeUsage | undefined;
  /** Sandbox copies of apps still in the console (kept for --resume), if any. */
  readonly sandboxes: readonly { readonly appId: string; readonly name: string }[];
}

/**
 * Ends a run in the store: its summary from what the store holds (one source for the summary,
 * `runs show` and the reports), its status and reason, and an end event.
 */
export function finishRun(
  store: RunStore,
  runId: string,
  outcome: { readonly status: RunState; readonly reason: string | undefined },
  options: { readonly wallMs: number; readonly judge: JudgeUsage | undefined },
): SuiteSummary {
  const byStatus = store.countByStatus(runId);
  const perWorkflow: Record<string, { total: number; passed: number }> = {};
  let totalTokens = 0;
  let totalCost = 0;
  for (const totals of store.totalsByWorkflow(runId)) {
    perWorkflow[totals.workflowId] = { total: totals.total, passed: totals.passed };
    totalTokens += totals.tokens;
    totalCost += totals.cost;
  }
  const ended = ENDED_STATUSES.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);
  const passed = store.passedCount(runId);
  const summary: SuiteSummary = {
    runId,
    status: outcome.status,
    reason: outcome.reason,
    total: store.caseCount(runId),
    byStatus,
    passed,
    passRate: ended === 0 ? 0 : passed / ended,
    perWorkflow,
    totalTokens,
    totalCost,
    wallMs: options.wallMs,
    judge: options.judge,
    sandboxes: store
      .sandboxes(runId)
      .filter((s) => s.deletedAt === null)
      .map((s) => ({ appId: s.appId, name: s.name })),
  };
  store.setRunStatus(runId, outcome.status, {
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    statistics: summary,
  });
  store.addEvent(runId, 'end', { status: outcome.status });
  return summary;
}
