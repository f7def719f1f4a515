import { inspect } from 'node:util';
import { readRetryHints, type RetryHints } from '../core/retry-hints.js';
import type { TaskError } from './task.js';

/** What a thrown value means for the task that threw it. */
export interface FailureClass {
  /**
   * `retryable`: retry while attempts remain, then failed. `final`: failed at once.
   * `unexpected`: a programming error: error at once.
   */
  readonly kind: 'retryable' | 'final' | 'unexpected';
  readonly hints: RetryHints;
  readonly error: TaskError;
}

// Errors that mean a bug in the task function, not a problem of the target.
const PROGRAMMING_ERRORS = [TypeError, ReferenceError, SyntaxError, RangeError, EvalError];

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code: unknown = Reflect.get(value, 'code');
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * Classifies what a task function threw. An error with `retryable: false` is final; a thrown
 * non-Error, or a built-in TypeError, ReferenceError, SyntaxError, RangeError or EvalError, is
 * unexpected unless it (or its cause) carries a string `code` or `retryable: true`, as a network
 * failure does; anything else is retryable.
 */
export function classifyFailure(thrown: unknown): FailureClass {
  const hints = readRetryHints(thrown);
  const code = codeOf(thrown);
  const message =
    thrown instanceof Error ? thrown.message : `non-error thrown: ${inspect(thrown, { depth: 1 })}`;
  if (hints.retryable === false) {
    return { kind: 'final', hints, error: { message, code: code ?? 'E_NON_RETRYABLE' } };
  }
  const targetError =
    code !== undefined ||
    hints.retryable === true ||
    (thrown instanceof Error && codeOf(thrown.cause) !== undefined);
  const programmingError =
    !(thrown instanceof Error) || PROGRAMMING_ERRORS.some((type) => thrown instanceof type);
  if (!targetError && programmingError) {
    return { kind: 'unexpected', hints, error: { message, code: 'E_UNEXPECTED' } };
  }
  return { kind: 'retryable', hints, error: { message, code: code ?? 'E_TASK_FAILED' } };
}
