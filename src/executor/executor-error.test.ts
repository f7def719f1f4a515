import { describe, expect, it } from 'vitest';
import { AutoOptError } from '../core/autoopt-error.js';
import {
  CancelledError,
  ExecutorError,
  InvalidTransitionError,
  NonRetryableError,
  PolicyValidationError,
  RateLimitError,
  SchedulerError,
  TaskExecutionError,
  TaskTimeoutError,
} from './executor-error.js';

describe('executor errors', () => {
  const cause = new Error('root');
  const cases: [Error, string, Record<string, unknown>][] = [
    [new ExecutorError('E_ANY', 'm', { cause }), 'E_ANY', { cause }],
    [
      new TaskExecutionError('boom', { taskId: 't1', attempt: 2 }, { cause }),
      'E_TASK_FAILED',
      { taskId: 't1', attempt: 2, cause },
    ],
    [
      new TaskTimeoutError({ taskId: 't1', timeoutMs: 100, elapsedMs: 100.4 }),
      'E_TASK_TIMEOUT',
      {
        taskId: 't1',
        timeoutMs: 100,
        elapsedMs: 100.4,
        message: 'task t1 timed out after 100 ms (timeout 100 ms)',
      },
    ],
    [new SchedulerError('E_MANIFEST_EMPTY', 'none'), 'E_MANIFEST_EMPTY', {}],
    [
      new RateLimitError('slow down', { retryAfterMs: 2000, concurrencyLimit: 3 }, { cause }),
      'E_RATE_LIMITED',
      { retryAfterMs: 2000, concurrencyLimit: 3, rateLimited: true, cause },
    ],
    [new RateLimitError('slow down'), 'E_RATE_LIMITED', { retryAfterMs: undefined }],
    [
      new PolicyValidationError([{ field: 'concurrency', value: 0, message: 'too small' }]),
      'E_POLICY_INVALID',
      {
        field: 'concurrency',
        value: 0,
        message: 'invalid execution policy: concurrency: too small (got 0)',
      },
    ],
    [
      new InvalidTransitionError({ taskId: 't', from: 'succeeded', to: 'running' }),
      'E_INVALID_TRANSITION',
      { from: 'succeeded', to: 'running', message: 'task t cannot go from succeeded to running' },
    ],
    [new CancelledError(), 'E_CANCELLED', { message: 'cancelled' }],
    [new CancelledError('stop: timeout', 'E_STOPPED'), 'E_STOPPED', { message: 'stop: timeout' }],
    [new NonRetryableError('bad input'), 'E_NON_RETRYABLE', { retryable: false }],
    [new NonRetryableError('404', 'E_DIFY_NOT_FOUND', { cause }), 'E_DIFY_NOT_FOUND', { cause }],
  ];

  it.each(cases)('%s has its code, fields and place in the hierarchy', (error, code, fields) => {
    expect(error).toBeInstanceOf(ExecutorError);
    expect(error).toBeInstanceOf(AutoOptError);
    expect(error).toMatchObject({ code, ...fields, name: error.constructor.name });
  });
});
