import { SchedulerError } from './executor-error.js';
import type { Task, TaskError } from './task.js';
import { isTerminalStatus, type TerminalTaskStatus } from './task-status.js';

/** How long a task waited and ran, in milliseconds; `null` where it never started. */
export interface TaskTimings {
  /** From being queued to its first start. */
  readonly queueWaitMs: number | null;
  /** Of the last attempt. */
  readonly durationMs: number | null;
  /** From the first start to the end, retries and backoff included. */
  readonly totalMs: number | null;
}

/** What became of one task: built only from a task in a terminal state. */
export interface TaskResult {
  readonly taskId: string;
  readonly workflowId: string;
  readonly dataset: string | undefined;
  readonly scenario: string | undefined;
  readonly promptVariant: string | undefined;
  readonly status: TerminalTaskStatus;
  readonly output: unknown;
  readonly error: TaskError | undefined;
  readonly attempts: number;
  readonly timings: TaskTimings;
  /** Tokens the output reports in a numeric `tokens` field, if any. */
  readonly tokens: number | undefined;
  /** Cost the output reports in a numeric `cost` field, if any. */
  readonly cost: number | undefined;
  /** The task's metadata, as its case gave it. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

function span(from: number | undefined, to: number | undefined): number | null {
  return from === undefined || to === undefined ? null : to - from;
}

function reported(output: unknown, key: 'tokens' | 'cost'): number | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const value: unknown = Reflect.get(output, key);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Builds the result of a finished task.
 * @throws SchedulerError (`E_TASK_NOT_FINISHED`) when the task is not in a terminal state.
 */
export function createTaskResult(task: Task): TaskResult {
  const status = task.status;
  if (!isTerminalStatus(status)) {
    throw new SchedulerError(
      'E_TASK_NOT_FINISHED',
      `task ${task.id} is ${status}; a result needs a terminal state`,
    );
  }
  const succeeded = status === 'succeeded';
  return {
    taskId: task.id,
    workflowId: task.workflowId,
    dataset: task.dataset,
    scenario: task.scenario,
    promptVariant: task.promptVariant,
    status,
    output: task.output,
    error: succeeded ? undefined : task.lastError,
    attempts: task.attempts,
    timings: {
      queueWaitMs: span(task.queuedAt, task.startedAt),
      durationMs: span(task.attemptStartedAt, task.finishedAt),
      totalMs: span(task.startedAt, task.finishedAt),
    },
    tokens: reported(task.output, 'tokens'),
    cost: reported(task.output, 'cost'),
    metadata: task.metadata,
  };
}
