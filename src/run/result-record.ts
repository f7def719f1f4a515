import { classify } from '../assertions/grade-class.js';
import type { Config } from '../config/config-schema.js';
import type { TaskResult } from '../executor/task-result.js';
import type { ResultRecord } from '../store/run-store.js';
import type { CaseOutput, CaseTrace } from './attempt-case.js';
import type { PlannedCase } from './planned-case.js';

/**
 * The pass rule, the one place it lives: a case passes when Dify said it succeeded and, when it
 * was graded, its verdict passed.
 */
export function casePassed(
  succeeded: boolean,
  verdict: { readonly passed: boolean } | undefined,
): boolean {
  return succeeded && (verdict?.passed ?? true);
}

/** What the store keeps of a case's end: its task's result, its Dify run, its verdict. */
export function toResultRecord(
  result: TaskResult,
  c: PlannedCase,
  trace: CaseTrace,
  grading: Config['grading'],
  options: { readonly label?: string | undefined; readonly now?: number } = {},
): ResultRecord {
  const output = result.output as CaseOutput | undefined;
  const dify = output?.dify ?? trace.dify;
  const verdict = output?.verdict;
  const succeeded = result.status === 'succeeded';
  const passed = casePassed(succeeded, verdict);
  const score = verdict?.score ?? (succeeded ? 1 : 0);
  const message = result.error?.message;
  return {
    caseId: c.caseId,
    workflowId: c.workflowId,
    variant: c.variant ?? null,
    status: result.status,
    difyStatus: dify?.status ?? null,
    outputs: dify?.outputs,
    answer: dify?.answer ?? null,
    errorCode: result.error?.code ?? null,
    // A variant's failure says where it ran: which variant, which app.
    errorMessage:
      message === undefined
        ? null
        : options.label === undefined
          ? message
          : `${options.label}: ${message}`,
    attempts: result.attempts,
    queueMs: result.timings.queueWaitMs,
    durationMs: result.timings.durationMs,
    totalMs: result.timings.totalMs,
    difyElapsedMs: dify?.elapsedMs ?? null,
    tokens: dify?.totalTokens ?? null,
    cost: dify?.totalPrice ?? null,
    workflowRunId: dify?.workflowRunId ?? null,
    taskId: dify?.taskId ?? null,
    nodes: dify?.nodes,
    finishedAt: options.now ?? Date.now(),
    passed,
    score,
    gradeClass: classify(
      passed ? score : 0,
      verdict?.latencyMs ?? result.timings.durationMs ?? undefined,
      grading,
    ),
    grades: verdict?.grades,
  };
}
