import { describe, expect, it } from 'vitest';
import { Task } from './task.js';
import { createTaskResult } from './task-result.js';

function task(fields: Partial<{ dataset: string; scenario: string; promptVariant: string }> = {}) {
  return new Task({
    id: 't',
    workflowId: 'wf',
    timeoutMs: 10,
    maxAttempts: 3,
    createdAt: 0,
    ...fields,
  });
}

describe('createTaskResult', () => {
  it('refuses a task that is not terminal', () => {
    for (const steps of [[], ['queued'], ['queued', 'running']] as const) {
      const t = task();
      for (const step of steps) t.transition(step, 1);
      expect(() => createTaskResult(t)).toThrow(
        expect.objectContaining({ code: 'E_TASK_NOT_FINISHED' }) as Error,
      );
    }
  });

  it('carries identifiers, output, attempts, timings, tokens and cost of a success', () => {
    const t = task({ dataset: 'd', scenario: 's', promptVariant: 'v' });
    t.transition('queued', 100);
    t.transition('running', 130);
    t.transition('queued', 150);
    t.transition('running', 190);
    t.finish('succeeded', 250, { output: { answer: 42, tokens: 17, cost: 0.25 } });
    t.lastError = { code: 'E_OLD', message: 'first attempt failed' };
    expect(createTaskResult(t)).toEqual({
      taskId: 't',
      workflowId: 'wf',
      dataset: 'd',
      scenario: 's',
      promptVariant: 'v',
      status: 'succeeded',
      output: { answer: 42, tokens: 17, cost: 0.25 },
      error: undefined,
      attempts: 2,
      timings: { queueWaitMs: 30, durationMs: 60, totalMs: 120 },
      tokens: 17,
      cost: 0.25,
      metadata: {},
    });
  });

  it('keeps the error of a failure and reports no tokens when the output has none', () => {
    const t = task();
    t.transition('queued', 0);
    t.transition('running', 0);
    t.finish('failed', 5, { error: { code: 'E_BAD', message: 'bad' } });
    expect(createTaskResult(t)).toMatchObject({
      status: 'failed',
      error: { code: 'E_BAD', message: 'bad' },
      tokens: undefined,
      cost: undefined,
    });
  });

  it('ignores tokens and cost that are not finite numbers', () => {
    const t = task();
    t.transition('queued', 0);
    t.transition('running', 0);
    t.finish('succeeded', 1, { output: { tokens: '12', cost: Number.NaN } });
    expect(createTaskResult(t)).toMatchObject({ tokens: undefined, cost: undefined });
    const u = task();
    u.transition('queued', 0);
    u.transition('running', 0);
    u.finish('succeeded', 1, { output: 'plain text' });
    expect(createTaskResult(u)).toMatchObject({ tokens: undefined, cost: undefined });
  });

  it('gives null timings to a task cancelled before it started', () => {
    const t = task();
    t.transition('queued', 3);
    t.finish('cancelled', 9, { error: { code: 'E_CANCELLED', message: 'cancelled' } });
    expect(createTaskResult(t)).toMatchObject({
      status: 'cancelled',
      attempts: 0,
      timings: { queueWaitMs: null, durationMs: null, totalMs: null },
    });
  });
});
