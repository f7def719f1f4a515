import { CancelledError } from './executor-error.js';
import type { Task, TaskError } from './task.js';
import { isTerminalStatus } from './task-status.js';

/** The error recorded on a task cancelled for `reason` (an abort signal's reason). */
export function cancellationError(reason: unknown): TaskError {
  if (reason instanceof CancelledError) return { code: reason.code, message: reason.message };
  if (reason instanceof Error)
    return { code: 'E_CANCELLED', message: reason.message || 'cancelled' };
  return { code: 'E_CANCELLED', message: typeof reason === 'string' ? reason : 'cancelled' };
}

/** Ends a task that did not finish as cancelled, from whatever state it is in; an ended task stays as it is. */
export function cancelTask(task: Task, reason: unknown, at: number): void {
  if (!isTerminalStatus(task.status)) {
    task.finish('cancelled', at, { error: cancellationError(reason) });
  }
}
