import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  elapsedSince,
  expectNoLeaks,
  useFakeTime,
  waitThen,
} from '../../test/support/fake-time.js';
import { systemClock } from '../core/clock.js';
import { CancellationToken } from './cancellation-token.js';
import { ConcurrentExecutor } from './concurrent-executor.js';
import type { ExecutionPolicyInput } from './execution-policy.js';
import { RateLimitError } from './executor-error.js';
import type { TaskFunction } from './executor-observer.js';
import type { TaskResult } from './task-result.js';
import { TaskScheduler } from './task-scheduler.js';
import type { TestCase } from './task.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

/** A stream of n cases that records when each is pulled. */
function source(n: number, pulled: number[]): Iterable<TestCase> {
  return {
    *[Symbol.iterator]() {
      for (let i = 1; i <= n; i += 1) {
        pulled.push(i);
        yield { id: `c${i}`, metadata: { n: i } };
      }
    },
  };
}

function stream(
  taskFn: TaskFunction,
  policy: ExecutionPolicyInput,
  cases: Iterable<TestCase>,
  options: { token?: CancellationToken } = {},
) {
  const results: [TaskResult, unknown][] = [];
  const done = new TaskScheduler({ taskFn, random: () => 0 }).runStream(
    { workflowId: 'wf', policy, cases },
    { ...options, onResult: (result, task) => results.push([result, task.metadata.n]) },
  );
  return { done, results };
}

describe('TaskScheduler.runStream', () => {
  it('pulls a case only when a place frees: memory follows the concurrency, not the stream', async () => {
    const pulled: number[] = [];
    let inFlight = 0;
    const { done, results } = stream(
      async (_task, signal) => {
        inFlight += 1;
        await waitThen(100, null, signal);
        inFlight -= 1;
        return 'ok';
      },
      { concurrency: 2 },
      source(6, pulled),
    );
    // Two running, one read ahead: nothing else is pulled before a place frees.
    expect(pulled).toEqual([1, 2, 3]);
    await vi.advanceTimersByTimeAsync(100);
    expect(pulled).toEqual([1, 2, 3, 4, 5]);
    await vi.runAllTimersAsync();
    await done;
    expect(inFlight).toBe(0);
    expect(results.map(([r, n]) => [r.taskId, r.status, n])).toEqual([
      ['c1', 'succeeded', 1],
      ['c2', 'succeeded', 2],
      ['c3', 'succeeded', 3],
      ['c4', 'succeeded', 4],
      ['c5', 'succeeded', 5],
      ['c6', 'succeeded', 6],
    ]);
    expectNoLeaks();
  });

  it('retries with backoff, halves the concurrency on a 429, and lets go of each output once handed on', async () => {
    const pulled: number[] = [];
    let calls = 0;
    const { done, results } = stream(
      (task, signal) => {
        calls += 1;
        if (task.id === 'c2' && task.attempts === 1)
          return Promise.reject(new RateLimitError('429', { concurrencyLimit: 1 }));
        return waitThen(10, { tokens: 3 }, signal);
      },
      { concurrency: 4, retry: { maxAttempts: 2, backoff: 0.1, jitter: 0 } },
      source(4, pulled),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(calls).toBe(5);
    expect(results.map(([r]) => [r.taskId, r.status, r.attempts, r.tokens])).toEqual([
      ['c1', 'succeeded', 1, 3],
      ['c3', 'succeeded', 1, 3],
      ['c4', 'succeeded', 1, 3],
      ['c2', 'succeeded', 2, 3],
    ]);
    expectNoLeaks();
  });

  it('on a stop condition reports every case left, pulled then, cancelled with the reason', async () => {
    const pulled: number[] = [];
    const { done, results } = stream(
      () => Promise.reject(new Error('down')),
      { concurrency: 1, retry: { maxAttempts: 1 }, stopConditions: { maxFailures: 2 } },
      source(5, pulled),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(results.map(([r]) => [r.taskId, r.status, r.error?.message])).toEqual([
      ['c1', 'failed', 'down'],
      ['c2', 'failed', 'down'],
      ['c3', 'cancelled', 'stop: max_failures'],
      ['c4', 'cancelled', 'stop: max_failures'],
      ['c5', 'cancelled', 'stop: max_failures'],
    ]);
    expectNoLeaks();
  });

  it('runs batches of batchSize with the pause between them', async () => {
    const origin = systemClock.now();
    const starts: [string, number][] = [];
    const { done } = stream(
      (task, signal) => {
        starts.push([task.id, elapsedSince(origin)]);
        return waitThen(100, null, signal);
      },
      { concurrency: 10, batchSize: 2, backoffBetweenBatches: 1 },
      source(5, []),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(starts).toEqual([
      ['c1', 0],
      ['c2', 0],
      ['c3', 1100],
      ['c4', 1100],
      ['c5', 2200],
    ]);
    expectNoLeaks();
  });

  it('on cancellation aborts what runs, reports the rest cancelled, and leaves no timer or listener', async () => {
    const token = new CancellationToken();
    const { done, results } = stream(
      (_task, signal) => waitThen(1000, null, signal),
      { concurrency: 2 },
      source(4, []),
      { token },
    );
    await vi.advanceTimersByTimeAsync(10);
    token.cancel('interrupted');
    await vi.runAllTimersAsync();
    await done;
    expect(results.map(([r]) => [r.taskId, r.status])).toEqual([
      ['c1', 'cancelled'],
      ['c2', 'cancelled'],
      ['c3', 'cancelled'],
      ['c4', 'cancelled'],
    ]);
    expectNoLeaks();
  });

  it('refuses a bad policy before pulling anything', async () => {
    const pulled: number[] = [];
    const { done } = stream(() => Promise.resolve(1), { concurrency: 0 }, source(3, pulled));
    await expect(done).rejects.toMatchObject({ code: 'E_POLICY_INVALID' });
    expect(pulled).toEqual([]);
  });

  it('reports the cases of batches never admitted, after a stop between batches, cancelled', async () => {
    const pulled: number[] = [];
    const { done, results } = stream(
      () => Promise.reject(new Error('down')),
      {
        concurrency: 2,
        batchSize: 1,
        retry: { maxAttempts: 1 },
        stopConditions: { maxFailures: 1 },
      },
      source(3, pulled),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(results.map(([r]) => [r.taskId, r.status, r.error?.message])).toEqual([
      ['c1', 'failed', 'down'],
      ['c2', 'cancelled', 'stop: max_failures'],
      ['c3', 'cancelled', 'stop: max_failures'],
    ]);
    expect(pulled).toEqual([1, 2, 3]);
    expectNoLeaks();
  });
});

describe('ConcurrentExecutor.runStream', () => {
  it('runs a stream as one pool, pulling as places free', async () => {
    const pulled: number[] = [];
    const results: string[] = [];
    const done = new ConcurrentExecutor({
      taskFn: (_task, signal) => waitThen(10, 'ok', signal),
    }).runStream(
      { workflowId: 'wf', policy: { concurrency: 1 }, cases: source(3, pulled) },
      { onResult: (result) => results.push(`${result.taskId}:${result.status}`) },
    );
    expect(pulled).toEqual([1, 2]);
    await vi.runAllTimersAsync();
    await done;
    expect(results).toEqual(['c1:succeeded', 'c2:succeeded', 'c3:succeeded']);
    expectNoLeaks();
  });
});

describe('the executor with limits of its own', () => {
  it('asks a RateLimit for a token per attempt and a ConcurrencyLimit how many may run', async () => {
    const asked: string[] = [];
    let inFlight = 0;
    let most = 0;
    const done = new TaskScheduler({
      taskFn: async (_task, signal) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await waitThen(10, null, signal);
        inFlight -= 1;
      },
      rateLimiter: {
        tryAcquire: () => {
          asked.push('try');
          return asked.length % 2 === 1;
        },
        acquire: () => {
          asked.push('wait');
          return Promise.resolve();
        },
      },
      concurrencyLimit: (concurrency) => ({
        limit: concurrency - 3,
        onRateLimited: () => undefined,
        onSuccess: () => undefined,
      }),
    }).runStream(
      { workflowId: 'wf', policy: { concurrency: 5 }, cases: source(4, []) },
      { onResult: () => undefined },
    );
    await vi.runAllTimersAsync();
    await done;
    expect(most).toBe(2);
    expect(asked.filter((a) => a === 'try')).toHaveLength(4);
    expect(asked.filter((a) => a === 'wait').length).toBeGreaterThan(0);
    expectNoLeaks();
  });
});
