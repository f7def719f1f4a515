import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import type { CancellationToken } from './cancellation-token.js';
import { cancelTask } from './cancel-task.js';
import {
  parseExecutionPolicy,
  type ExecutionPolicy,
  type ExecutionPolicyInput,
} from './execution-policy.js';
import { CancelledError, SchedulerError } from './executor-error.js';
import type { ExecutorObserver, TaskFunction } from './executor-observer.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import type { RateLimit } from './rate-limit.js';
import type { RunExecutionResult, RunManifest } from './run-execution-result.js';
import { RunStatisticsAccumulator } from './run-statistics.js';
import { createTaskResult, type TaskResult } from './task-result.js';
import type { StreamFeed } from './task-pool.js';
import { createTask, type Task, type TestCase } from './task.js';

/** What an executor is built with. */
export interface ExecutorOptions {
  /** Runs one attempt of one task. */
  readonly taskFn: TaskFunction;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Uniform in [0, 1), for backoff jitter. @default Math.random */
  readonly random?: () => number;
  readonly observer?: ExecutorObserver;
  /** @default crypto.randomUUID */
  readonly createRunId?: () => string;
  /**
   * A rate limiter shared by every run of this executor (and any other holder), in place of
   * the one each run would build from its policy's `rateLimit`.
   */
  readonly rateLimiter?: RateLimit;
  /**
   * Makes the concurrency limit of each run from its policy's `concurrency`, in place of the
   * in-process {@link AdaptiveConcurrency} (a cap shared by several processes, say).
   */
  readonly concurrencyLimit?: (concurrency: number) => ConcurrencyLimit;
}

/** How to run one manifest. */
export interface RunOptions {
  /** Cancels the run; finished results are kept, the rest end cancelled. */
  readonly token?: CancellationToken;
  readonly signal?: AbortSignal;
  /** Called with each result as its task ends, before the run is over. */
  readonly onResult?: (result: TaskResult, index: number) => void;
  /**
   * `false`: the run's `taskResults` come back empty, and no result is held once `onResult` has
   * had it (the statistics are still whole). For long runs whose results stream elsewhere.
   * @default true
   */
  readonly keepResults?: boolean;
}

/** A run's tasks in input order; an ended task's place is empty. */
export type RunTasks = readonly (Task | undefined)[];

/** What {@link ExecutorBase.executeTasks} gets. */
export interface ExecutionContext {
  readonly policy: ExecutionPolicy;
  readonly signal: AbortSignal;
  /** Must be called once per task, the moment it reaches a terminal state. */
  readonly onTaskEnd: (task: Task) => void;
}

/**
 * A run in three steps (template method): validate the manifest and build its tasks, let the
 * subclass execute them, and aggregate every task's result with the run's statistics.
 */
export abstract class ExecutorBase {
  protected readonly taskFn: TaskFunction;
  protected readonly clock: Clock;
  protected readonly random: () => number;
  protected readonly observer: ExecutorObserver;
  protected readonly sharedRateLimiter: RateLimit | undefined;
  protected readonly concurrencyLimit: ((concurrency: number) => ConcurrencyLimit) | undefined;
  readonly #createRunId: () => string;

  constructor(options: ExecutorOptions) {
    this.taskFn = options.taskFn;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.observer = options.observer ?? {};
    this.#createRunId = options.createRunId ?? randomUUID;
    this.sharedRateLimiter = options.rateLimiter;
    this.concurrencyLimit = options.concurrencyLimit;
  }

  /**
   * Runs every case of a manifest and returns one result per case, in input order.
   * @throws SchedulerError (`E_MANIFEST_INVALID`, `E_MANIFEST_EMPTY`) or PolicyValidationError
   * (`E_POLICY_INVALID`) before anything runs; a cancelled run is a result, not an error.
   */
  async runManifest(manifest: RunManifest, options: RunOptions = {}): Promise<RunExecutionResult> {
    const { policy, tasks } = this.#prepare(manifest);
    const signal = combineSignals(options.token?.signal, options.signal);
    const keep = options.keepResults !== false;
    const results = new Array<TaskResult>(keep ? tasks.length : 0);
    const statistics = new RunStatisticsAccumulator(tasks.length);
    const { onResult } = options;
    const onTaskEnd = (task: Task): void => {
      const result = createTaskResult(task);
      statistics.add(result);
      if (keep) results[task.index] = result;
      // The result replaces the task, so a long run holds one or the other, never both.
      tasks[task.index] = undefined;
      this.observer.onTaskEnd?.(task);
      onResult?.(result, task.index);
      // Handed on and not kept: the ended task lets go of its output. A task lives from the
      // start of the run, so it sits in V8's old generation, where a reference from it keeps
      // its young output alive (and promoted) until the next full collection.
      if (!keep) task.output = undefined;
    };
    const startedAt = this.clock.now();
    await this.executeTasks(tasks, { policy, signal, onTaskEnd });
    const finishedAt = this.clock.now();
    // A task still here was never reported: a subclass left it. It is reported now, as
    // cancelled if it did not finish, never dropped.
    const leftReason: unknown = signal.reason ?? new CancelledError('not run by the executor');
    for (const task of tasks) {
      if (task === undefined) continue;
      cancelTask(task, leftReason, finishedAt);
      onTaskEnd(task);
    }
    const totalDurationMs = finishedAt - startedAt;
    return {
      runId: manifest.runId ?? this.#createRunId(),
      workflowId: manifest.workflowId,
      workflowVersion: manifest.workflowVersion,
      promptVariant: manifest.promptVariant,
      startedAt,
      finishedAt,
      totalDurationMs,
      taskResults: results,
      statistics: statistics.finish(totalDurationMs),
      metadata: manifest.metadata ?? {},
    };
  }

  /**
   * Runs the tasks to terminal states, calling `context.onTaskEnd` for each as it ends. A task's
   * place in `tasks` is emptied once it has ended (its result is kept instead).
   */
  protected abstract executeTasks(tasks: RunTasks, context: ExecutionContext): Promise<void>;

  /**
   * Runs the tasks of a stream to terminal states, taking each from `feed` only as a place
   * frees, and calling `context.onTaskEnd` for each as it ends; every task taken is reported.
   */
  protected abstract executeFeed(feed: StreamFeed, context: ExecutionContext): Promise<void>;

  /**
   * Runs a stream of cases, pulling the next one only when a place frees: at most the
   * concurrency's worth of tasks (and those waiting out a retry) exist at once, so memory grows
   * with the concurrency, not with the stream. Each task's result goes to `onResult` with the
   * task itself (its `metadata` is the case's), and nothing of it is kept after. Ids are not
   * checked for uniqueness: the stream's owner keeps them apart.
   * @throws PolicyValidationError (`E_POLICY_INVALID`) before anything runs; SchedulerError
   * (`E_TASK_INVALID`) for a malformed case, when it is pulled.
   */
  async runStream(
    stream: {
      readonly workflowId: string;
      readonly promptVariant?: string | undefined;
      readonly policy: ExecutionPolicyInput;
      readonly cases: Iterable<TestCase>;
    },
    options: {
      readonly token?: CancellationToken;
      readonly signal?: AbortSignal;
      readonly onResult: (result: TaskResult, task: Task) => void;
    },
  ): Promise<void> {
    const policy = parseExecutionPolicy(stream.policy);
    const signal = combineSignals(options.token?.signal, options.signal);
    const feed = caseFeed(stream.cases[Symbol.iterator](), policy, stream);
    await this.executeFeed(feed, {
      policy,
      signal,
      onTaskEnd: (task) => {
        const result = createTaskResult(task);
        this.observer.onTaskEnd?.(task);
        options.onResult(result, task);
        task.output = undefined;
      },
    });
  }

  #prepare(manifest: RunManifest): { policy: ExecutionPolicy; tasks: (Task | undefined)[] } {
    // Checked as unknown: JavaScript callers are not held to the types.
    const raw: unknown = manifest;
    if (typeof raw !== 'object' || raw === null) {
      throw new SchedulerError('E_MANIFEST_INVALID', 'a run needs a manifest');
    }
    const { workflowId, cases, promptVariant } = manifest;
    const id: unknown = workflowId;
    if (typeof id !== 'string' || id === '') {
      throw new SchedulerError('E_MANIFEST_INVALID', 'the manifest needs a non-empty workflowId');
    }
    const runId: unknown = manifest.runId;
    if (runId !== undefined && (typeof runId !== 'string' || runId === '')) {
      throw new SchedulerError(
        'E_MANIFEST_INVALID',
        'runId: must be a non-empty string when given (leave it out for one to be made)',
      );
    }
    const list: unknown = cases;
    if (!Array.isArray(list)) {
      throw new SchedulerError('E_MANIFEST_INVALID', 'the manifest needs a list of cases');
    }
    if (cases.length === 0) {
      throw new SchedulerError('E_MANIFEST_EMPTY', `workflow ${workflowId} has no cases to run`);
    }
    // Validated again here, whatever built the policy: defence in depth.
    const policy = parseExecutionPolicy(manifest.policy);
    const now = this.clock.now();
    const seen = new Set<string>();
    const tasks = new Array<Task | undefined>(cases.length);
    for (let index = 0; index < cases.length; index += 1) {
      const task = createTask(cases[index], policy, { workflowId, promptVariant, index, now });
      if (seen.has(task.id)) {
        throw new SchedulerError(
          'E_MANIFEST_INVALID',
          `case id ${task.id} appears twice (case ${index + 1}); ids must be unique`,
        );
      }
      seen.add(task.id);
      tasks[index] = task;
    }
    return { policy, tasks };
  }
}

function combineSignals(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length === 1) return present[0] as AbortSignal;
  return present.length === 0 ? new AbortController().signal : AbortSignal.any(present);
}

/** Tasks made from a stream of cases one at a time, as the pool asks (one case read ahead). */
function caseFeed(
  cases: Iterator<TestCase>,
  policy: ExecutionPolicy,
  context: { readonly workflowId: string; readonly promptVariant?: string | undefined },
): StreamFeed {
  let ahead = cases.next();
  let index = 0;
  return {
    ended: () => ahead.done === true,
    start: () => undefined,
    take: (now) => {
      if (ahead.done === true) return undefined;
      const task = createTask(ahead.value, policy, {
        workflowId: context.workflowId,
        promptVariant: context.promptVariant,
        index: index++,
        now,
      });
      ahead = cases.next();
      task.transition('queued', now);
      return task;
    },
  };
}
