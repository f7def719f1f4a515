import { InvalidTransitionError } from './executor-error.js';

/** Every state a task can be in. */
export const TaskStatus = {
  Pending: 'pending',
  Queued: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Timeout: 'timeout',
  Cancelled: 'cancelled',
  Error: 'error',
} as const;

/** `pending | queued | running | succeeded | failed | timeout | cancelled | error`. */
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** The states a task never leaves. */
export type TerminalTaskStatus = 'succeeded' | 'failed' | 'timeout' | 'cancelled' | 'error';

const NEXT: Readonly<Record<TaskStatus, ReadonlySet<TaskStatus>>> = {
  pending: new Set(['queued', 'cancelled']),
  queued: new Set(['running', 'cancelled']),
  // running → queued: back in line for a retry.
  running: new Set(['succeeded', 'failed', 'timeout', 'error', 'cancelled', 'queued']),
  succeeded: new Set(),
  failed: new Set(),
  timeout: new Set(),
  cancelled: new Set(),
  error: new Set(),
};

/** Whether `status` is terminal: succeeded, failed, timeout, cancelled or error. */
export function isTerminalStatus(status: TaskStatus): status is TerminalTaskStatus {
  return NEXT[status].size === 0;
}

/** Whether `status` counts as a success (only `succeeded` does). */
export function isSuccessStatus(status: TaskStatus): boolean {
  return status === 'succeeded';
}

/** Whether the state machine allows `from → to`. */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return NEXT[from].has(to);
}

/**
 * Checks one move of a task's state machine.
 * @throws InvalidTransitionError (`E_INVALID_TRANSITION`) when the move is not allowed.
 */
export function assertTransition(taskId: string, from: TaskStatus, to: TaskStatus): void {
  if (!NEXT[from].has(to)) throw new InvalidTransitionError({ taskId, from, to });
}
