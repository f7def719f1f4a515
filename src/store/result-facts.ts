import type { ResultRecord } from './run-store.js';

/** The statuses of a case that ended (a cancelled case did not, and runs again on resume). */
export const ENDED_STATUSES = ['succeeded', 'failed', 'timeout', 'error'] as const;

const ENDED: ReadonlySet<string> = new Set(ENDED_STATUSES);

/** Whether a result's case ended. */
export function hasEnded(result: Pick<ResultRecord, 'status'>): boolean {
  return ENDED.has(result.status);
}

/** Whether a case passed: its graded verdict, or (never graded) Dify's success. */
export function resultPassed(result: Pick<ResultRecord, 'passed' | 'status'>): boolean {
  return result.passed ?? result.status === 'succeeded';
}

/** How long Dify took to answer the case, when it answered. */
export function answeredLatencyMs(
  result: Pick<ResultRecord, 'difyStatus' | 'durationMs'>,
): number | undefined {
  return result.difyStatus !== null && result.durationMs !== null ? result.durationMs : undefined;
}
