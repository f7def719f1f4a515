import { describe, expect, it } from 'vitest';
import { parseExecutionPolicy } from './execution-policy.js';
import { InvalidTransitionError, SchedulerError } from './executor-error.js';
import { Task, createTask } from './task.js';

const policy = parseExecutionPolicy({ timeoutPerTask: 2, retry: { maxAttempts: 4 } });

describe('createTask', () => {
  it('builds a pending task from a case and a policy', () => {
    const task = createTask(
      {
        id: 'case-1',
        parameters: { q: 'hi' },
        dataset: 'ds',
        scenario: 'sc',
        metadata: { tag: 'x' },
      },
      policy,
      { workflowId: 'wf', promptVariant: 'v2', index: 7, now: 1000 },
    );
    expect(task).toMatchObject({
      id: 'case-1',
      index: 7,
      workflowId: 'wf',
      dataset: 'ds',
      scenario: 'sc',
      parameters: { q: 'hi' },
      promptVariant: 'v2',
      timeoutMs: 2000,
      maxAttempts: 4,
      createdAt: 1000,
      metadata: { tag: 'x' },
      status: 'pending',
      attempts: 0,
      queuedAt: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      lastError: undefined,
      output: undefined,
    });
  });

  it('gives a case without parameters or metadata empty ones and index 0', () => {
    const task = createTask({ id: 'a' }, policy, { workflowId: 'wf', now: 0 });
    expect(task.parameters).toEqual({});
    expect(task.metadata).toEqual({});
    expect(task.index).toBe(0);
  });

  it.each([
    ['a missing case', undefined, policy, 'a task needs a test case, got none'],
    ['a null case', null, policy, 'a task needs a test case, got none'],
    ['a missing policy', { id: 'c9' }, undefined, 'case c9 needs an execution policy, got none'],
    ['a null policy', { id: 'c9' }, null, 'case c9 needs an execution policy, got none'],
    ['an empty id', { id: '' }, policy, 'a test case needs a non-empty string id'],
    [
      'a numeric id',
      { id: 3 as unknown as string },
      policy,
      'a test case needs a non-empty string id',
    ],
  ] as const)('rejects %s with E_TASK_INVALID', (_, testCase, given, message) => {
    expect(() => createTask(testCase, given, { workflowId: 'wf', now: 0 })).toThrow(
      expect.objectContaining({ code: 'E_TASK_INVALID', message }) as Error,
    );
    expect(() => createTask(testCase, given, { workflowId: 'wf', now: 0 })).toThrow(SchedulerError);
  });
});

describe('Task.transition', () => {
  function task(): Task {
    return new Task({ id: 't', workflowId: 'wf', timeoutMs: 10, maxAttempts: 2, createdAt: 0 });
  }

  it('stamps queuedAt once, startedAt on the first start and attemptStartedAt on each', () => {
    const t = task();
    t.transition('queued', 5);
    t.transition('running', 7);
    t.transition('queued', 9);
    t.transition('running', 12);
    expect(t).toMatchObject({ queuedAt: 5, startedAt: 7, attemptStartedAt: 12, attempts: 2 });
    expect(t.finishedAt).toBeUndefined();
    t.finish('succeeded', 20, { output: 'ok' });
    expect(t).toMatchObject({ status: 'succeeded', finishedAt: 20, output: 'ok' });
  });

  it('keeps the error of a failed finish and leaves the output alone', () => {
    const t = task();
    t.transition('queued', 1);
    t.transition('running', 2);
    t.finish('failed', 3, { error: { code: 'E_X', message: 'boom' } });
    expect(t.lastError).toEqual({ code: 'E_X', message: 'boom' });
    expect(t.output).toBeUndefined();
  });

  it('refuses to skip a state and leaves the task unchanged', () => {
    const t = task();
    expect(() => {
      t.transition('running', 1);
    }).toThrow(InvalidTransitionError);
    expect(t.status).toBe('pending');
    expect(t.attempts).toBe(0);
  });

  it('refuses any move out of a terminal state', () => {
    const t = task();
    t.transition('cancelled', 1);
    expect(() => {
      t.finish('succeeded', 2, { output: 1 });
    }).toThrow(InvalidTransitionError);
    expect(t).toMatchObject({ status: 'cancelled', finishedAt: 1, output: undefined });
  });
});
