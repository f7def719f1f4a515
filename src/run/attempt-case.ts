import type { Judge } from '../assertions/assertion.js';
import type { CaseGrader, CaseVerdict } from '../assertions/case-grader.js';
import type { DifyRunResult } from '../dify/dify-run-result.js';
import { NonRetryableError } from '../executor/executor-error.js';
import type { CaseTarget } from './case-target.js';
import type { PlannedCase } from './planned-case.js';

/** What a case is run and graded with. */
export interface CaseContext {
  readonly target: CaseTarget;
  readonly grader: CaseGrader | undefined;
  readonly judge: Judge | undefined;
  /** Dify's `user` for the run. */
  readonly user: string;
}

/**
 * What a case's attempts leave besides their output: the Dify run of an attempt that ended
 * without one (Dify failed it, or the judge was still grading when the task timed out), so its
 * result still shows what Dify answered.
 */
export interface CaseTrace {
  dify: DifyRunResult | undefined;
}

/** A verdict, with the latency it was graded on. */
export type TimedVerdict = CaseVerdict & { readonly latencyMs: number };

/** What a succeeded attempt hands on. */
export interface CaseOutput {
  readonly tokens: number | undefined;
  readonly cost: number | undefined;
  readonly dify: DifyRunResult;
  readonly verdict: TimedVerdict | undefined;
}

/**
 * One attempt at a case, the executor's task function: run it on its target, refuse a run Dify
 * did not succeed (a result, recorded in `trace`, not retried), and grade the answer.
 * @throws NonRetryableError (`E_DIFY_RUN_FAILED`, …) for a run Dify reports failed; the
 * target's and grader's errors as they are.
 */
export async function attemptCase(
  c: PlannedCase,
  context: CaseContext,
  trace: CaseTrace,
  signal: AbortSignal,
): Promise<CaseOutput> {
  const startedMs = performance.now();
  const result = await context.target.run(c, { user: context.user, signal });
  const latencyMs = performance.now() - startedMs;
  if (result.status !== 'succeeded') {
    trace.dify = result;
    throw new NonRetryableError(
      `Dify run ${result.status}: ${result.error ?? 'no reason given'}`,
      `E_DIFY_RUN_${result.status.toUpperCase().replace(/-/g, '_')}`,
    );
  }
  const { grader } = context;
  let verdict: TimedVerdict | undefined;
  if (grader !== undefined) {
    // A judge may take long enough for the task to time out: the run stays recorded.
    if (grader.usesJudge) trace.dify = result;
    const graded = await grader.grade(
      {
        outputs: result.outputs,
        answer: result.answer,
        inputs: c.inputs,
        query: c.query,
        reference: c.reference,
        latencyMs,
        tokens: result.totalTokens,
        cost: result.totalPrice,
      },
      { judge: context.judge, signal },
    );
    trace.dify = undefined;
    verdict = { ...graded, latencyMs };
  }
  return { tokens: result.totalTokens, cost: result.totalPrice, dify: result, verdict };
}
