import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { elapsedSince, expectNoLeaks, useFakeTime } from '../../test/support/fake-time.js';
import { systemClock } from '../core/clock.js';
import { AdaptiveConcurrency } from './adaptive-concurrency.js';
import { parseExecutionPolicy } from './execution-policy.js';
import { Task } from './task.js';
import { TaskPool, rangeFeed, type PoolSettings } from './task-pool.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

function settings(overrides: Partial<PoolSettings>): PoolSettings {
  return {
    taskFn: () => Promise.resolve(null),
    clock: systemClock,
    random: () => 0,
    retry: parseExecutionPolicy({}).retry,
    concurrency: new AdaptiveConcurrency(4),
    rateLimiter: undefined,
    observer: {},
    onTaskEnd: () => undefined,
    hold: { until: 0 },
    ...overrides,
  };
}

describe('TaskPool', () => {
  it('times out tasks with different timeouts each at its own deadline', async () => {
    const origin = systemClock.now();
    const ended: [string, string, number][] = [];
    const tasks = [5000, 1000, 3000].map(
      (timeoutMs, index) =>
        new Task({
          id: `t${index}`,
          index,
          workflowId: 'wf',
          timeoutMs,
          maxAttempts: 1,
          createdAt: 0,
        }),
    );
    const pool = new TaskPool(
      settings({
        taskFn: () => new Promise(() => undefined),
        onTaskEnd: (task) => ended.push([task.id, task.status, elapsedSince(origin)]),
      }),
      rangeFeed(tasks, 0, 3),
      new AbortController().signal,
    );
    const done = pool.run();
    await vi.runAllTimersAsync();
    await done;
    expect(ended).toEqual([
      ['t1', 'timeout', 1000],
      ['t2', 'timeout', 3000],
      ['t0', 'timeout', 5000],
    ]);
    expectNoLeaks();
  });

  it('runs only its own range of the task list', async () => {
    const tasks = [0, 1, 2, 3].map(
      (index) =>
        new Task({
          id: `t${index}`,
          index,
          workflowId: 'wf',
          timeoutMs: 100,
          maxAttempts: 1,
          createdAt: 0,
        }),
    );
    const done = new TaskPool(
      settings({}),
      rangeFeed(tasks, 1, 3),
      new AbortController().signal,
    ).run();
    await vi.runAllTimersAsync();
    await done;
    expect(tasks.map((task) => task.status)).toEqual([
      'pending',
      'succeeded',
      'succeeded',
      'pending',
    ]);
  });
});
