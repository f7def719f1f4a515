// One behaviour suite, run against every executor that runs a continuous pool.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cases,
  deferred,
  elapsedSince,
  expectNoLeaks,
  useFakeTime,
  waitThen,
} from '../../test/support/fake-time.js';
import { systemClock } from '../core/clock.js';
import { CancellationToken } from './cancellation-token.js';
import { ConcurrentExecutor } from './concurrent-executor.js';
import type { ExecutionPolicyInput } from './execution-policy.js';
import type { ExecutorOptions } from './executor-base.js';
import { NonRetryableError, RateLimitError } from './executor-error.js';
import { RateLimiter } from './rate-limiter.js';
import type { TaskFunction } from './executor-observer.js';
import type { RunExecutionResult } from './run-execution-result.js';
import type { Task } from './task.js';
import { TaskScheduler } from './task-scheduler.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

const implementations = [
  ['ConcurrentExecutor', ConcurrentExecutor],
  ['TaskScheduler', TaskScheduler],
] as const;

const NO_RETRY_DELAY = { backoff: 0, jitter: 0 };

describe.each(implementations)('%s', (_, Executor) => {
  function executor(taskFn: TaskFunction, options: Partial<ExecutorOptions> = {}) {
    return new Executor({ taskFn, random: () => 0, createRunId: () => 'run-1', ...options });
  }

  async function run(
    taskFn: TaskFunction,
    policy: ExecutionPolicyInput,
    n: number,
    options: {
      token?: CancellationToken;
      signal?: AbortSignal;
      executor?: Partial<ExecutorOptions>;
    } = {},
  ): Promise<RunExecutionResult> {
    const pending = executor(taskFn, options.executor).runManifest(
      { workflowId: 'wf', cases: cases(n), policy },
      {
        ...(options.token ? { token: options.token } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    await vi.runAllTimersAsync();
    return pending;
  }

  it('runs every case and returns one result per case in input order', async () => {
    const delays = [50, 10, 30, 20, 40];
    const result = await run(
      (task, signal) => waitThen(delays[task.index] ?? 0, `out-${task.id}`, signal),
      { concurrency: 5 },
      5,
    );
    expect(result.taskResults.map((r) => r.taskId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(result.taskResults.map((r) => r.output)).toEqual([
      'out-c1',
      'out-c2',
      'out-c3',
      'out-c4',
      'out-c5',
    ]);
    expect(result.taskResults.map((r) => r.timings.durationMs)).toEqual(delays);
    expect(result).toMatchObject({ runId: 'run-1', workflowId: 'wf', totalDurationMs: 50 });
    expect(result.statistics).toMatchObject({
      total: 5,
      completed: 5,
      successRate: 1,
      totalRetries: 0,
    });
    expectNoLeaks();
  });

  it('keeps at most `concurrency` in flight and fills a free slot at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const starts: number[] = [];
    const origin = systemClock.now();
    const result = await run(
      async (task, signal) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        starts[task.index] = elapsedSince(origin);
        // Task 1 is slow; the others are quick and must flow past it.
        await waitThen(task.index === 0 ? 1000 : 100, null, signal);
        inFlight -= 1;
      },
      { concurrency: 3 },
      8,
    );
    expect(peak).toBe(3);
    expect(starts).toEqual([0, 0, 0, 100, 100, 200, 200, 300]);
    expect(result.totalDurationMs).toBe(1000);
  });

  it('retries a failing task with the exact backoff sequence, then succeeds', async () => {
    const origin = systemClock.now();
    const attemptsAt: number[] = [];
    const result = await run(
      () => {
        attemptsAt.push(elapsedSince(origin));
        if (attemptsAt.length < 4) return Promise.reject(new Error(`flaky ${attemptsAt.length}`));
        return Promise.resolve('finally');
      },
      { retry: { maxAttempts: 4, backoff: 0.5, multiplier: 2, maxBackoff: 1.5, jitter: 0.2 } },
      1,
    );
    // 500, then 1000, then min(2000, 1500) ms between attempts.
    expect(attemptsAt).toEqual([0, 500, 1500, 3000]);
    expect(result.taskResults[0]).toMatchObject({
      status: 'succeeded',
      output: 'finally',
      attempts: 4,
      error: undefined,
      timings: { durationMs: 0, totalMs: 3000 },
    });
    expect(result.statistics.totalRetries).toBe(3);
  });

  it('draws jitter from the injected random source', async () => {
    const origin = systemClock.now();
    const attemptsAt: number[] = [];
    await run(
      () => {
        attemptsAt.push(elapsedSince(origin));
        return Promise.reject(new Error('always'));
      },
      { retry: { maxAttempts: 3, backoff: 1, multiplier: 3, jitter: 0.5 } },
      1,
      { executor: { random: () => 0.5 } },
    );
    expect(attemptsAt).toEqual([0, 750, 750 + 2250]);
  });

  it('ends failed with the last error once attempts run out', async () => {
    let calls = 0;
    const result = await run(
      () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error(`try ${calls}`), { code: 'E_UPSTREAM' }));
      },
      { retry: { maxAttempts: 3, ...NO_RETRY_DELAY } },
      1,
    );
    expect(calls).toBe(3);
    expect(result.taskResults[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'E_UPSTREAM', message: 'try 3' },
    });
  });

  it('fails a non-retryable error at once', async () => {
    const taskFn = vi.fn(() =>
      Promise.reject(new NonRetryableError('400 invalid_param', 'E_DIFY_INVALID_PARAM')),
    );
    const result = await run(taskFn, { retry: { maxAttempts: 5 } }, 1);
    expect(taskFn).toHaveBeenCalledTimes(1);
    expect(result.taskResults[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'E_DIFY_INVALID_PARAM', message: '400 invalid_param' },
    });
  });

  it('ends an unexpected exception as error at once, thrown or rejected', async () => {
    const result = await run(
      (task) => {
        if (task.index === 0) throw new TypeError('undefined is not a function');
        return Promise.reject(new ReferenceError('x is not defined'));
      },
      { retry: { maxAttempts: 5 } },
      2,
    );
    expect(result.taskResults.map((r) => [r.status, r.attempts, r.error?.code])).toEqual([
      ['error', 1, 'E_UNEXPECTED'],
      ['error', 1, 'E_UNEXPECTED'],
    ]);
    expect(result.statistics.byStatus.error).toBe(2);
  });

  it('accepts a task function that returns a plain value', async () => {
    const result = await run((task) => `sync-${task.id}` as unknown as Promise<string>, {}, 2);
    expect(result.taskResults.map((r) => r.output)).toEqual(['sync-c1', 'sync-c2']);
  });

  it('enforces the timeout: aborts the attempt, frees its slot and ignores a late answer', async () => {
    const late = deferred<string>();
    const signals: AbortSignal[] = [];
    const origin = systemClock.now();
    const starts: number[] = [];
    const result = await run(
      (task, signal) => {
        signals.push(signal);
        starts.push(elapsedSince(origin));
        // Task 1 ignores its signal and never settles in time.
        return task.index === 0 ? late.promise : waitThen(10, 'quick', signal);
      },
      { concurrency: 1, timeoutPerTask: 2, retry: { maxAttempts: 1 } },
      2,
    );
    late.resolve('too late');
    await Promise.resolve();
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toMatchObject({
      code: 'E_TASK_TIMEOUT',
      timeoutMs: 2000,
      elapsedMs: 2000,
    });
    expect(starts).toEqual([0, 2000]);
    expect(result.taskResults[0]).toMatchObject({
      status: 'timeout',
      output: undefined,
      error: {
        code: 'E_TASK_TIMEOUT',
        message: 'task c1 timed out after 2000 ms (timeout 2000 ms)',
      },
      timings: { durationMs: 2000 },
    });
    expect(result.taskResults[1]).toMatchObject({ status: 'succeeded', output: 'quick' });
    expectNoLeaks();
  });

  it('retries a timed-out attempt like a failure and keeps the success that follows', async () => {
    let calls = 0;
    const result = await run(
      (_task, signal) => {
        calls += 1;
        return waitThen(calls === 1 ? 5000 : 100, 'second time lucky', signal);
      },
      { timeoutPerTask: 1, retry: { maxAttempts: 2, backoff: 0.25, jitter: 0 } },
      1,
    );
    expect(result.taskResults[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      output: 'second time lucky',
      timings: { totalMs: 1350 },
    });
  });

  it('times out each of several attempts with their own deadlines', async () => {
    const origin = systemClock.now();
    const ends: Record<string, number> = {};
    const result = await run(
      (task, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            ends[task.id] = elapsedSince(origin);
            reject(signal.reason as Error);
          });
        }),
      { concurrency: 2, timeoutPerTask: 1, retry: { maxAttempts: 1 } },
      3,
    );
    expect(ends).toEqual({ c1: 1000, c2: 1000, c3: 2000 });
    expect(result.statistics.byStatus.timeout).toBe(3);
  });

  it('sweeps expired attempts and re-arms for the next deadline', async () => {
    // c1 ends at 500 ms; c3 takes its place then, so c2 expires at 3 s and c3 at 3.5 s.
    const origin = systemClock.now();
    const timedOutAt: number[] = [];
    await run(
      (task, signal) =>
        new Promise((resolve, reject) => {
          if (task.index === 0) {
            setTimeout(resolve, 500);
            return;
          }
          signal.addEventListener('abort', () => {
            timedOutAt.push(elapsedSince(origin));
            reject(signal.reason as Error);
          });
        }),
      { concurrency: 2, timeoutPerTask: 3, retry: { maxAttempts: 1 } },
      3,
    );
    expect(timedOutAt).toEqual([3000, 3500]);
  });

  it('lets retries wait for a free place and go before cases not yet started', async () => {
    const origin = systemClock.now();
    const starts: string[] = [];
    await run(
      (task, signal) => {
        starts.push(`${task.id}#${task.attempts}@${elapsedSince(origin)}`);
        if (task.index < 2 && task.attempts === 1) return Promise.reject(new Error('again'));
        return waitThen(task.index < 4 ? 500 : 10, null, signal);
      },
      { concurrency: 2, retry: { maxAttempts: 2, backoff: 0.1, jitter: 0 } },
      6,
    );
    expect(starts).toEqual([
      'c1#1@0',
      'c2#1@0',
      'c3#1@0',
      'c4#1@0',
      'c1#2@500',
      'c2#2@500',
      'c5#1@1000',
      'c6#1@1000',
    ]);
  });

  it('reports tokens and cost the outputs carry', async () => {
    const result = await run(
      (task) => Promise.resolve({ text: 'x', tokens: 10 * (task.index + 1), cost: 0.5 }),
      {},
      3,
    );
    expect(result.statistics).toMatchObject({ totalTokens: 60, totalCost: 1.5 });
    expect(result.taskResults[2]).toMatchObject({ tokens: 30, cost: 0.5 });
  });

  it('takes one rate-limit token per attempt, retries included', async () => {
    const origin = systemClock.now();
    const starts: number[] = [];
    await run(
      (task) => {
        starts.push(elapsedSince(origin));
        return task.attempts === 1 && task.index === 0
          ? Promise.reject(new Error('retry me'))
          : Promise.resolve('ok');
      },
      { concurrency: 10, rateLimit: { perMinute: 60, burst: 2 }, retry: NO_RETRY_DELAY },
      3,
    );
    // Four attempts at one per second after a burst of two.
    expect(starts).toEqual([0, 0, 1000, 2000]);
  });

  it('shares an injected rate limiter across runs, in place of the policy’s', async () => {
    const origin = systemClock.now();
    const starts: number[] = [];
    const rateLimiter = new RateLimiter({ perMinute: 60, burst: 1 });
    const shared = executor(
      () => {
        starts.push(elapsedSince(origin));
        return Promise.resolve(null);
      },
      { rateLimiter },
    );
    const policy = { rateLimit: { perMinute: 6000, burst: 100 } };
    const first = shared.runManifest({ workflowId: 'a', cases: cases(2), policy });
    const second = shared.runManifest({ workflowId: 'b', cases: cases(2), policy });
    await vi.runAllTimersAsync();
    await Promise.all([first, second]);
    expect(starts).toEqual([0, 1000, 2000, 3000]);
  });

  it('halves its concurrency when the target pushes back and honours its retry-after', async () => {
    const origin = systemClock.now();
    const changes: number[] = [];
    let limit = 4;
    const starts: [string, number, number][] = [];
    const overLimit: number[] = [];
    let inFlight = 0;
    const result = await run(
      async (task, signal) => {
        inFlight += 1;
        if (inFlight > limit) overLimit.push(inFlight);
        starts.push([task.id, task.attempts, elapsedSince(origin)]);
        try {
          if (task.index === 0 && task.attempts === 1) {
            await waitThen(10, null, signal);
            throw new RateLimitError('429 too_many_requests', { retryAfterMs: 1000 });
          }
          await waitThen(100, null, signal);
        } finally {
          inFlight -= 1;
        }
      },
      { concurrency: 4, retry: NO_RETRY_DELAY },
      12,
      {
        executor: {
          observer: {
            onConcurrencyChange: (next) => {
              changes.push(next);
              limit = next;
            },
          },
        },
      },
    );
    // Halved to 2, then back up by one after 2 and after 3 successes.
    expect(changes).toEqual([2, 3, 4]);
    expect(overLimit).toEqual([]);
    // Nothing new starts during the retry-after; the retry waits it out too.
    const afterPushBack = starts.filter(([, , at]) => at > 10);
    expect(afterPushBack.every(([, , at]) => at >= 1010)).toBe(true);
    // c5 and c6 took the two places while c1 waited out its retry-after: c1 follows them.
    expect(starts.find(([id, attempt]) => id === 'c1' && attempt === 2)?.[2]).toBe(1110);
    expect(result.statistics.byStatus.succeeded).toBe(12);
  });

  it('respects a concurrency cap the target states', async () => {
    const origin = systemClock.now();
    let inFlight = 0;
    const starts: [number, number][] = [];
    const result = await run(
      async (task, signal) => {
        inFlight += 1;
        starts.push([elapsedSince(origin), inFlight]);
        try {
          if (task.index === 0 && task.attempts === 1) {
            throw new RateLimitError('429', { concurrencyLimit: 1 });
          }
          await waitThen(100, null, signal);
        } finally {
          inFlight -= 1;
        }
      },
      { concurrency: 8, retry: NO_RETRY_DELAY },
      20,
    );
    // The first wave of 8 was in flight already; once it drained, one at a time, for good.
    const later = starts.filter(([at]) => at >= 100);
    expect(later.length).toBeGreaterThan(10);
    expect(later.every(([, count]) => count === 1)).toBe(true);
    expect(result.totalDurationMs).toBe(100 + 13 * 100);
  });

  it('reports every start, retry and end to its observer and every result as it ends', async () => {
    const events: string[] = [];
    const results: [number, string][] = [];
    const pending = executor(
      (task) =>
        task.index === 1 && task.attempts === 1
          ? Promise.reject(new Error('once'))
          : Promise.resolve(1),
      {
        observer: {
          onTaskStart: (task) => events.push(`start ${task.id}#${task.attempts}`),
          onTaskRetry: (task, error, delayMs) =>
            events.push(`retry ${task.id} ${error.message} ${delayMs}`),
          onTaskEnd: (task) => events.push(`end ${task.id} ${task.status}`),
        },
      },
    ).runManifest(
      {
        workflowId: 'wf',
        cases: cases(2),
        policy: { concurrency: 1, retry: { backoff: 0.1, jitter: 0 } },
      },
      { onResult: (result, index) => results.push([index, result.status]) },
    );
    await vi.runAllTimersAsync();
    await pending;
    expect(events).toEqual([
      'start c1#1',
      'end c1 succeeded',
      'start c2#1',
      'retry c2 once 100',
      'start c2#2',
      'end c2 succeeded',
    ]);
    expect(results).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
    ]);
  });

  it('gives each attempt a signal no other attempt aborts, and a fresh one after a leak', async () => {
    const seen: AbortSignal[] = [];
    const result = await run(
      (task, signal) => {
        seen.push(signal);
        if (task.index === 0) signal.addEventListener('abort', () => undefined);
        return task.index === 1 ? waitThen(5000, null, signal) : Promise.resolve(null);
      },
      { concurrency: 1, timeoutPerTask: 1, retry: { maxAttempts: 1 } },
      4,
    );
    // c1 left a listener: c2 must not share its signal. c2 timed out: c3 gets a fresh one.
    expect(seen[1]).not.toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen[0]?.aborted).toBe(false);
    expect(seen[2]?.aborted).toBe(false);
    expect(seen[3]).toBe(seen[2]);
    expect(result.taskResults.map((r) => r.status)).toEqual([
      'succeeded',
      'timeout',
      'succeeded',
      'succeeded',
    ]);
  });

  describe('cancellation', () => {
    it('cancels queued tasks, aborts running ones and keeps finished results, in order', async () => {
      const token = new CancellationToken();
      const signals: AbortSignal[] = [];
      const pending = executor((task, signal) => {
        signals.push(signal);
        return waitThen(task.index === 0 ? 10 : 1000, `done ${task.id}`, signal);
      }).runManifest({ workflowId: 'wf', cases: cases(6), policy: { concurrency: 2 } }, { token });
      await vi.advanceTimersByTimeAsync(500);
      token.cancel('user pressed Ctrl-C');
      const result = await pending;
      expect(result.taskResults.map((r) => [r.taskId, r.status])).toEqual([
        ['c1', 'succeeded'],
        ['c2', 'cancelled'],
        ['c3', 'cancelled'],
        ['c4', 'cancelled'],
        ['c5', 'cancelled'],
        ['c6', 'cancelled'],
      ]);
      expect(result.taskResults[1]?.error).toEqual({
        code: 'E_CANCELLED',
        message: 'user pressed Ctrl-C',
      });
      expect(result.taskResults.map((r) => r.attempts)).toEqual([1, 1, 1, 0, 0, 0]);
      expect(signals.slice(1).every((signal) => signal.aborted)).toBe(true);
      expect(result.statistics).toMatchObject({ completed: 1, successRate: 1 });
      expectNoLeaks(token.signal);
    });

    it('returns at once even when a running task ignores its signal', async () => {
      const token = new CancellationToken();
      const never = deferred();
      const pending = executor(() => never.promise).runManifest(
        { workflowId: 'wf', cases: cases(2), policy: {} },
        { token },
      );
      await vi.advanceTimersByTimeAsync(1);
      token.cancel();
      const result = await pending;
      expect(result.taskResults.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
      expectNoLeaks(token.signal);
    });

    it('cancels a task waiting out its retry backoff at once', async () => {
      const token = new CancellationToken();
      const pending = executor(() => Promise.reject(new Error('flaky'))).runManifest(
        { workflowId: 'wf', cases: cases(1), policy: { retry: { backoff: 60, jitter: 0 } } },
        { token },
      );
      await vi.advanceTimersByTimeAsync(1000);
      const origin = systemClock.now();
      token.cancel('enough');
      const result = await pending;
      expect(elapsedSince(origin)).toBe(0);
      expect(result.taskResults[0]).toMatchObject({
        status: 'cancelled',
        attempts: 1,
        error: { code: 'E_CANCELLED', message: 'enough' },
      });
      expectNoLeaks(token.signal);
    });

    it('cancels tasks waiting for a rate-limit token at once', async () => {
      const token = new CancellationToken();
      const started: string[] = [];
      const pending = executor((task) => {
        started.push(task.id);
        return Promise.resolve(null);
      }).runManifest(
        {
          workflowId: 'wf',
          cases: cases(5),
          policy: { concurrency: 5, rateLimit: { perMinute: 1, burst: 1 } },
        },
        { token },
      );
      await vi.advanceTimersByTimeAsync(5000);
      token.cancel();
      const result = await pending;
      expect(started).toEqual(['c1']);
      expect(result.taskResults.map((r) => r.status)).toEqual([
        'succeeded',
        'cancelled',
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      expectNoLeaks(token.signal);
    });

    it('keeps hundreds of waiting tasks off the caller’s signal: no listener-leak warning', async () => {
      const warn = vi.spyOn(process, 'emitWarning');
      const token = new CancellationToken();
      const pending = executor(() => Promise.resolve(null)).runManifest(
        {
          workflowId: 'wf',
          cases: cases(300),
          policy: { concurrency: 200, rateLimit: { perMinute: 60, burst: 1 } },
        },
        { token },
      );
      await vi.advanceTimersByTimeAsync(10);
      expect(getEventListeners(token.signal, 'abort').length).toBeLessThanOrEqual(1);
      token.cancel();
      await pending;
      expect(warn).not.toHaveBeenCalled();
      warn.mockRestore();
    });

    it('cancels tasks held back by a retry-after at once', async () => {
      const token = new CancellationToken();
      const pending = executor((task) =>
        task.index === 0
          ? Promise.reject(new RateLimitError('429', { retryAfterMs: 60_000 }))
          : Promise.resolve(null),
      ).runManifest({ workflowId: 'wf', cases: cases(3), policy: { concurrency: 1 } }, { token });
      await vi.advanceTimersByTimeAsync(100);
      token.cancel();
      const result = await pending;
      expect(result.taskResults.map((r) => r.status)).toEqual([
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      expectNoLeaks(token.signal);
    });

    it('returns every task cancelled when the token was cancelled before the run', async () => {
      const token = new CancellationToken();
      token.cancel('not today');
      const taskFn = vi.fn(() => Promise.resolve(1));
      const result = await run(taskFn, {}, 3, { token });
      expect(taskFn).not.toHaveBeenCalled();
      expect(result.taskResults.map((r) => [r.status, r.error?.message])).toEqual([
        ['cancelled', 'not today'],
        ['cancelled', 'not today'],
        ['cancelled', 'not today'],
      ]);
      expect(result.statistics).toMatchObject({ total: 3, completed: 0, successRate: 0 });
    });

    it('stops on a plain abort signal, and on either of a token and a signal', async () => {
      const controller = new AbortController();
      const token = new CancellationToken();
      const pending = executor((_task, signal) => waitThen(1000, null, signal)).runManifest(
        { workflowId: 'wf', cases: cases(2), policy: { concurrency: 1 } },
        { token, signal: controller.signal },
      );
      await vi.advanceTimersByTimeAsync(10);
      controller.abort();
      const result = await pending;
      expect(result.taskResults.map((r) => r.error)).toEqual([
        { code: 'E_CANCELLED', message: 'This operation was aborted' },
        { code: 'E_CANCELLED', message: 'This operation was aborted' },
      ]);
      expectNoLeaks(controller.signal, token.signal);
      const other = new AbortController();
      other.abort('a string reason');
      const stringResult = await run(() => Promise.resolve(1), {}, 1, { signal: other.signal });
      expect(stringResult.taskResults[0]?.error).toEqual({
        code: 'E_CANCELLED',
        message: 'a string reason',
      });
      const odd = new AbortController();
      odd.abort(42);
      const oddResult = await run(() => Promise.resolve(1), {}, 1, { signal: odd.signal });
      expect(oddResult.taskResults[0]?.error).toEqual({
        code: 'E_CANCELLED',
        message: 'cancelled',
      });
      const empty = new AbortController();
      empty.abort(new Error(''));
      const emptyResult = await run(() => Promise.resolve(1), {}, 1, { signal: empty.signal });
      expect(emptyResult.taskResults[0]?.error).toEqual({
        code: 'E_CANCELLED',
        message: 'cancelled',
      });
    });

    it('loses and doubles nothing under thousands of tasks and random cancels', async () => {
      for (let round = 0; round < 5; round += 1) {
        const token = new CancellationToken();
        const ends = new Map<string, number>();
        const n = 3000;
        const pending = executor(
          (task, signal) => waitThen((task.index * 7919) % 50, task.id, signal),
          { observer: { onTaskEnd: (task) => ends.set(task.id, (ends.get(task.id) ?? 0) + 1) } },
        ).runManifest(
          {
            workflowId: 'wf',
            cases: cases(n),
            policy: { concurrency: 64, rateLimit: { perMinute: 600_000, burst: 50 } },
          },
          { token },
        );
        await vi.advanceTimersByTimeAsync(50 + round * 40);
        token.cancel();
        const result = await pending;
        expect(result.taskResults).toHaveLength(n);
        expect(result.taskResults.every((r, i) => r.taskId === `c${i + 1}`)).toBe(true);
        expect(ends.size).toBe(n);
        expect([...ends.values()].every((count) => count === 1)).toBe(true);
        const { byStatus } = result.statistics;
        expect(byStatus.succeeded + byStatus.cancelled).toBe(n);
        expect(byStatus.succeeded).toBeGreaterThan(0);
        expect(byStatus.cancelled).toBeGreaterThan(0);
        expectNoLeaks(token.signal);
      }
    });
  });

  it('leaves no timer and no listener on its signals after a normal run', async () => {
    const controller = new AbortController();
    const token = new CancellationToken();
    await run(
      (_t, signal) => waitThen(5, 1, signal),
      { rateLimit: { perMinute: 6000, burst: 1 } },
      20,
      {
        token,
        signal: controller.signal,
      },
    );
    expectNoLeaks(controller.signal, token.signal);
    expect(getEventListeners(token.signal, 'abort')).toHaveLength(0);
  });
});

// Referenced so that the type import stays used when the suite changes.
export type { Task };
