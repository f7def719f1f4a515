import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cases,
  elapsedSince,
  expectNoLeaks,
  useFakeTime,
  waitThen,
} from '../../test/support/fake-time.js';
import { systemClock } from '../core/clock.js';
import { CancellationToken } from './cancellation-token.js';
import type { ExecutionPolicyInput } from './execution-policy.js';
import type { TaskFunction } from './executor-observer.js';
import { TaskScheduler } from './task-scheduler.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

function start(
  taskFn: TaskFunction,
  policy: ExecutionPolicyInput,
  n: number,
  token?: CancellationToken,
) {
  return new TaskScheduler({ taskFn, random: () => 0 }).runManifest(
    { workflowId: 'wf', cases: cases(n), policy },
    token ? { token } : {},
  );
}

describe('TaskScheduler batches', () => {
  it('runs waves of batchSize, each after the last ended, with the pause between them', async () => {
    const origin = systemClock.now();
    const starts: [string, number][] = [];
    const pending = start(
      (task, signal) => {
        starts.push([task.id, elapsedSince(origin)]);
        return waitThen(task.index === 1 ? 300 : 100, null, signal);
      },
      { concurrency: 10, batchSize: 2, backoffBetweenBatches: 1 },
      5,
    );
    await vi.runAllTimersAsync();
    const result = await pending;
    // Wave 1 ends at 300 ms (its slow task), wave 2 starts at 1300, wave 3 at 2400.
    expect(starts).toEqual([
      ['c1', 0],
      ['c2', 0],
      ['c3', 1300],
      ['c4', 1300],
      ['c5', 2400],
    ]);
    expect(result.totalDurationMs).toBe(2500);
    expect(result.statistics.byStatus.succeeded).toBe(5);
    expectNoLeaks();
  });

  it('applies concurrency inside a batch and takes tokens per attempt across batches', async () => {
    const origin = systemClock.now();
    const starts: number[] = [];
    const pending = start(
      () => {
        starts.push(elapsedSince(origin));
        return Promise.resolve(null);
      },
      { concurrency: 4, batchSize: 6, rateLimit: { perMinute: 600, burst: 2 } },
      8,
    );
    await vi.runAllTimersAsync();
    await pending;
    // A batch larger than the burst is fine: 2 at once, then one per 100 ms, across batches.
    expect(starts).toEqual([0, 0, 100, 200, 300, 400, 500, 600]);
  });

  it('ends the run at once when cancelled between batches, reporting later batches cancelled', async () => {
    const token = new CancellationToken();
    const pending = start(
      (_task, signal) => waitThen(100, 'ok', signal),
      { batchSize: 2, backoffBetweenBatches: 60 },
      6,
      token,
    );
    await vi.advanceTimersByTimeAsync(1000);
    const origin = systemClock.now();
    token.cancel('between batches');
    const result = await pending;
    expect(elapsedSince(origin)).toBe(0);
    expect(result.taskResults.map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(result.taskResults[5]).toMatchObject({
      taskId: 'c6',
      attempts: 0,
      error: { code: 'E_CANCELLED', message: 'between batches' },
    });
    expectNoLeaks(token.signal);
  });

  it('skips the pause after the last batch and when none is set', async () => {
    const pending = start(
      (_task, signal) => waitThen(100, 'ok', signal),
      { batchSize: 2, backoffBetweenBatches: 5 },
      2,
    );
    await vi.runAllTimersAsync();
    expect((await pending).totalDurationMs).toBe(100);
    const unpaused = start((_task, signal) => waitThen(100, 'ok', signal), { batchSize: 1 }, 3);
    await vi.runAllTimersAsync();
    expect((await unpaused).totalDurationMs).toBe(300);
  });
});

describe('TaskScheduler stop conditions', () => {
  it('stops after maxFailures, mid-batch: aborts tasks in flight and cancels the rest', async () => {
    const signals = new Map<string, AbortSignal>();
    const pending = start(
      (task, signal) => {
        signals.set(task.id, signal);
        // c2 and c4 fail quickly; the rest are slow.
        if (task.index === 1 || task.index === 3)
          return Promise.reject(new Error(`bad ${task.id}`));
        return waitThen(1000, 'ok', signal);
      },
      {
        concurrency: 3,
        batchSize: 10,
        stopConditions: { maxFailures: 2 },
        retry: { maxAttempts: 1 },
      },
      10,
    );
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result.taskResults.map((r) => r.status)).toEqual([
      'cancelled',
      'failed',
      'cancelled',
      'failed',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(result.taskResults[0]?.error).toEqual({
      code: 'E_STOPPED',
      message: 'stop: max_failures',
    });
    expect(result.taskResults[9]?.error).toEqual({
      code: 'E_STOPPED',
      message: 'stop: max_failures',
    });
    expect(signals.get('c1')?.aborted).toBe(true);
    expect(result.totalDurationMs).toBe(0);
    expectNoLeaks();
  });

  it('counts timeouts and errors as failures too', async () => {
    const pending = start(
      (task) =>
        task.index === 0 ? new Promise(() => undefined) : Promise.reject(new TypeError('bug')),
      {
        concurrency: 1,
        timeoutPerTask: 1,
        retry: { maxAttempts: 1 },
        stopConditions: { maxFailures: 2 },
      },
      4,
    );
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result.taskResults.map((r) => r.status)).toEqual([
      'timeout',
      'error',
      'cancelled',
      'cancelled',
    ]);
  });

  it('does not count a failure that is still being retried', async () => {
    let calls = 0;
    const pending = start(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok');
      },
      { retry: { maxAttempts: 3, backoff: 0, jitter: 0 }, stopConditions: { maxFailures: 1 } },
      2,
    );
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result.taskResults.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('stops once the run timeout has passed', async () => {
    const pending = start(
      (_task, signal) => waitThen(400, 'ok', signal),
      { concurrency: 1, stopConditions: { timeout: 1 } },
      5,
    );
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result.taskResults.map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(result.taskResults[2]).toMatchObject({
      attempts: 1,
      error: { code: 'E_STOPPED', message: 'stop: timeout' },
      timings: { durationMs: 200 },
    });
    expect(result.totalDurationMs).toBe(1000);
    expectNoLeaks();
  });

  it('stops during the pause between batches when the run timeout passes there', async () => {
    const pending = start(
      (_task, signal) => waitThen(100, 'ok', signal),
      { batchSize: 1, backoffBetweenBatches: 10, stopConditions: { timeout: 2 } },
      3,
    );
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result.taskResults.map((r) => r.status)).toEqual([
      'succeeded',
      'cancelled',
      'cancelled',
    ]);
    expect(result.totalDurationMs).toBe(2000);
  });
});
