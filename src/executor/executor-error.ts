import { AutoOptError, type AutoOptErrorOptions } from '../core/autoopt-error.js';

/**
 * The base of every error the executor throws or records; `code` is stable.
 */
export class ExecutorError extends AutoOptError {}

/** A task function failed; carries which task and which attempt. */
export class TaskExecutionError extends ExecutorError {
  readonly taskId: string;
  readonly attempt: number;

  constructor(
    message: string,
    fields: { readonly taskId: string; readonly attempt: number },
    options: AutoOptErrorOptions = {},
  ) {
    super('E_TASK_FAILED', message, options);
    this.taskId = fields.taskId;
    this.attempt = fields.attempt;
  }
}

/** An attempt ran past its task's timeout; the executor aborted it. */
export class TaskTimeoutError extends ExecutorError {
  readonly taskId: string;
  readonly timeoutMs: number;
  readonly elapsedMs: number;

  constructor(fields: {
    readonly taskId: string;
    readonly timeoutMs: number;
    readonly elapsedMs: number;
  }) {
    super(
      'E_TASK_TIMEOUT',
      `task ${fields.taskId} timed out after ${Math.round(fields.elapsedMs)} ms (timeout ${fields.timeoutMs} ms)`,
    );
    this.taskId = fields.taskId;
    this.timeoutMs = fields.timeoutMs;
    this.elapsedMs = fields.elapsedMs;
  }
}

/** A run could not be set up or scheduled (an empty manifest, duplicate case ids, …). */
export class SchedulerError extends ExecutorError {
  constructor(code: `E_${string}`, message: string, options: AutoOptErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * The target refused a call for its rate or concurrency limit. Thrown by task functions; the
 * executor then slows down (halves its concurrency, waits `retryAfterMs`) and retries.
 */
export class RateLimitError extends ExecutorError {
  readonly rateLimited = true;
  readonly retryAfterMs: number | undefined;
  readonly concurrencyLimit: number | undefined;

  constructor(
    message: string,
    fields: { readonly retryAfterMs?: number; readonly concurrencyLimit?: number } = {},
    options: AutoOptErrorOptions = {},
  ) {
    super('E_RATE_LIMITED', message, options);
    this.retryAfterMs = fields.retryAfterMs;
    this.concurrencyLimit = fields.concurrencyLimit;
  }
}

/** One problem found in an execution policy: where, what value, and why. */
export interface PolicyIssue {
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
}

/** An execution policy was refused; `field` and `value` name the first problem, `issues` all. */
export class PolicyValidationError extends ExecutorError {
  readonly field: string;
  readonly value: unknown;
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly [PolicyIssue, ...PolicyIssue[]]) {
    const text = issues
      .map((issue) => `${issue.field}: ${issue.message} (got ${describeValue(issue.value)})`)
      .join('; ');
    super('E_POLICY_INVALID', `invalid execution policy: ${text}`);
    this.field = issues[0].field;
    this.value = issues[0].value;
    this.issues = issues;
  }
}

/** A task was asked to move between two states the state machine does not link. */
export class InvalidTransitionError extends ExecutorError {
  readonly taskId: string;
  readonly from: string;
  readonly to: string;

  constructor(fields: { readonly taskId: string; readonly from: string; readonly to: string }) {
    super(
      'E_INVALID_TRANSITION',
      `task ${fields.taskId} cannot go from ${fields.from} to ${fields.to}`,
    );
    this.taskId = fields.taskId;
    this.from = fields.from;
    this.to = fields.to;
  }
}

/**
 * Work was cancelled: by a {@link CancellationToken}, a signal, or a stop condition
 * (`E_STOPPED`, with the condition in the message).
 */
export class CancelledError extends ExecutorError {
  constructor(
    message = 'cancelled',
    code: 'E_CANCELLED' | 'E_STOPPED' = 'E_CANCELLED',
    options: AutoOptErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/**
 * Thrown by a task function when retrying cannot help (a 4xx answer, invalid input): the task
 * fails at once. Any error with `retryable: false` has the same effect.
 */
export class NonRetryableError extends ExecutorError {
  readonly retryable = false;

  constructor(message: string, code = 'E_NON_RETRYABLE', options: AutoOptErrorOptions = {}) {
    super(code, message, options);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
