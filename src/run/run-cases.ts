import type { Config } from '../config/config-schema.js';
import type { CancellationToken } from '../executor/cancellation-token.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';
import type { ExecutorObserver } from '../executor/executor-observer.js';
import type { RateLimit } from '../executor/rate-limit.js';
import { TaskScheduler } from '../executor/task-scheduler.js';
import type { Task, TestCase } from '../executor/task.js';
import { attemptCase, type CaseContext, type CaseTrace } from './attempt-case.js';
import type { InFlightCounter } from './in-flight-counter.js';
import type { PlannedCase } from './planned-case.js';
import { toResultRecord } from './result-record.js';
import type { ResultSink } from './result-sink.js';

/** How {@link runCases} runs its cases. */
export interface RunCasesOptions {
  readonly runId: string;
  readonly policy: ExecutionPolicyInput;
  /** Cancels the cases: nothing new starts, those in flight are aborted, all are recorded. */
  readonly token: CancellationToken;
  readonly grading: Config['grading'];
  /** One limiter for every call of a run (and every variant), in place of the policy's own. */
  readonly rateLimiter?: RateLimit | undefined;
  readonly observer?: ExecutorObserver | undefined;
  /**
   * A failure that must stop the whole run (a revoked key, a spent quota): its reason. The case
   * that met it is recorded first, then the token is cancelled with `stopped: <reason>`.
   */
  readonly stopOn?: ((error: unknown) => string | undefined) | undefined;
  /**
   * Counts attempts that outlive their task (an aborted Dify call sending its stop request), for
   * the caller to wait for before the process may exit.
   */
  readonly settling?: InFlightCounter | undefined;
}

/** What a case carries through the executor: itself, and what its attempts leave. */
interface Carried {
  readonly planned: PlannedCase;
  readonly trace: CaseTrace;
}

/**
 * The middle every caller shares: each case through the executor (rate limit, retries,
 * timeouts, stop conditions) as {@link attemptCase} on the target and grader `contextOf` gives
 * it, each end made a result record and written to `sink` the moment it comes. The executor
 * pulls a case from `cases` only when a place frees (memory follows the concurrency, not the
 * suite); a case travels as plain data inside its task, and nothing is kept of it once its
 * record is written.
 */
export async function runCases(
  cases: Iterable<PlannedCase>,
  contextOf: (c: PlannedCase) => CaseContext,
  sink: ResultSink,
  options: RunCasesOptions,
): Promise<{ readonly stopReason: string | undefined }> {
  let stopReason: string | undefined;
  const carried = (task: Task): Carried => task.metadata.carried as Carried;
  const scheduler = new TaskScheduler({
    taskFn: async (task, signal) => {
      const { planned, trace } = carried(task);
      const attempt = attemptCase(planned, contextOf(planned), trace, signal);
      const { settling } = options;
      if (settling !== undefined) {
        settling.begin();
        void attempt.finally(settling.end).catch(() => undefined);
      }
      try {
        return await attempt;
      } catch (error) {
        const reason =
          stopReason === undefined
            ? (options.stopOn?.(error) ?? contextOf(planned).target.stopReason?.(error))
            : undefined;
        if (reason !== undefined) {
          stopReason = reason;
          // After this case is recorded as failed with its error: then stop the rest.
          setImmediate(() => {
            options.token.cancel(`stopped: ${reason}`);
          });
        }
        throw error;
      }
    },
    observer: options.observer ?? {},
    ...(options.rateLimiter === undefined ? {} : { rateLimiter: options.rateLimiter }),
  });
  const pending = cases[Symbol.iterator]();
  const head = pending.next();
  if (head.done === true) return { stopReason };
  const first = head.value;
  await scheduler.runStream(
    {
      workflowId: first.workflowId,
      promptVariant: first.variant,
      policy: options.policy,
      cases: handOver(first, pending),
    },
    {
      token: options.token,
      onResult: (result, task) => {
        const { planned, trace } = carried(task);
        sink.write(
          toResultRecord(result, planned, trace, options.grading, {
            label: planned.variant === undefined ? undefined : contextOf(planned).target.label,
          }),
        );
      },
    },
  );
  sink.flush();
  return { stopReason };
}

/**
 * The cases as the executor pulls them (`first`, then the rest of `pending`), each with a trace
 * of its own made as it is pulled: from then on a case lives in its task alone.
 */
function* handOver(first: PlannedCase, pending: Iterator<PlannedCase>): Generator<TestCase> {
  for (
    let next: IteratorResult<PlannedCase> = { done: false, value: first };
    next.done !== true;
    next = pending.next()
  ) {
    const carried: Carried = { planned: next.value, trace: { dify: undefined } };
    yield { id: next.value.caseId, metadata: { carried } };
  }
}
