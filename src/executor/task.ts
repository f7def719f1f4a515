import type { ExecutionPolicy } from './execution-policy.js';
import { SchedulerError } from './executor-error.js';
import { assertTransition, type TaskStatus, type TerminalTaskStatus } from './task-status.js';

/** One test case of a manifest: the inputs of one task. */
export interface TestCase {
  /** Stable and unique within the manifest; resume and comparisons key on it. */
  readonly id: string;
  /** The inputs handed to the target. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly dataset?: string;
  readonly scenario?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A failure as data: the message and its stable code. */
export interface TaskError {
  readonly message: string;
  readonly code: string;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * One unit of work and its life: the case's identifiers, its state and its timestamps (epoch ms).
 * Every change of state goes through {@link Task.transition}, which enforces the state machine.
 */
export class Task {
  readonly id: string;
  /** The case's position in its manifest; results come back in this order. */
  readonly index: number;
  readonly workflowId: string;
  readonly dataset: string | undefined;
  readonly scenario: string | undefined;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly promptVariant: string | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly createdAt: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  #status: TaskStatus = 'pending';
  /** Attempts started, the current one included. */
  attempts = 0;
  queuedAt: number | undefined = undefined;
  /** When the first attempt started. */
  startedAt: number | undefined = undefined;
  /** When the latest attempt started. */
  attemptStartedAt: number | undefined = undefined;
  finishedAt: number | undefined = undefined;
  lastError: TaskError | undefined = undefined;
  /** What the task function returned, once it succeeded. */
  output: unknown = undefined;

  constructor(fields: {
    readonly id: string;
    readonly index?: number | undefined;
    readonly workflowId: string;
    readonly dataset?: string | undefined;
    readonly scenario?: string | undefined;
    readonly parameters?: Readonly<Record<string, unknown>> | undefined;
    readonly promptVariant?: string | undefined;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly createdAt: number;
    readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  }) {
    this.id = fields.id;
    this.index = fields.index ?? 0;
    this.workflowId = fields.workflowId;
    this.dataset = fields.dataset;
    this.scenario = fields.scenario;
    this.parameters = fields.parameters ?? EMPTY;
    this.promptVariant = fields.promptVariant;
    this.timeoutMs = fields.timeoutMs;
    this.maxAttempts = fields.maxAttempts;
    this.createdAt = fields.createdAt;
    this.metadata = fields.metadata ?? EMPTY;
  }

  /** The current state. */
  get status(): TaskStatus {
    return this.#status;
  }

  /**
   * Moves the task to `to`, stamping the time the move implies.
   * @throws InvalidTransitionError (`E_INVALID_TRANSITION`) on a move the state machine forbids.
   */
  transition(to: TaskStatus, at: number): void {
    assertTransition(this.id, this.#status, to);
    this.#status = to;
    if (to === 'queued') {
      this.queuedAt ??= at;
    } else if (to === 'running') {
      this.attempts += 1;
      this.startedAt ??= at;
      this.attemptStartedAt = at;
    } else {
      // No move leads back to pending: every other target is terminal.
      this.finishedAt = at;
    }
  }

  /** Ends the task in a terminal state, keeping the output or the error. */
  finish(
    to: TerminalTaskStatus,
    at: number,
    outcome: { readonly output?: unknown; readonly error?: TaskError },
  ): void {
    this.transition(to, at);
    if (outcome.error !== undefined) this.lastError = outcome.error;
    if ('output' in outcome) this.output = outcome.output;
  }
}

/**
 * Builds the task for one test case under a policy.
 * @throws SchedulerError (`E_TASK_INVALID`) when the case or the policy is missing or malformed.
 */
export function createTask(
  testCase: TestCase | null | undefined,
  policy: ExecutionPolicy | null | undefined,
  context: {
    readonly workflowId: string;
    readonly promptVariant?: string | undefined;
    readonly index?: number | undefined;
    readonly now: number;
  },
): Task {
  if (testCase == null) {
    throw new SchedulerError('E_TASK_INVALID', 'a task needs a test case, got none');
  }
  const id: unknown = testCase.id;
  if (typeof id !== 'string' || id === '') {
    throw new SchedulerError('E_TASK_INVALID', 'a test case needs a non-empty string id');
  }
  if (policy == null) {
    throw new SchedulerError('E_TASK_INVALID', `case ${id} needs an execution policy, got none`);
  }
  return new Task({
    id: testCase.id,
    index: context.index,
    workflowId: context.workflowId,
    dataset: testCase.dataset,
    scenario: testCase.scenario,
    parameters: testCase.parameters,
    promptVariant: context.promptVariant,
    timeoutMs: policy.timeoutPerTask * 1000,
    maxAttempts: policy.retry.maxAttempts,
    createdAt: context.now,
    metadata: testCase.metadata,
  });
}
