import fc from 'fast-check';
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock, type Clock } from '../core/clock.js';
import { elapsedSince, expectNoLeaks, useFakeTime } from '../../test/support/fake-time.js';
import { RateLimiter } from './rate-limiter.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

/** Records when each acquire resolves, in ms since `origin`. */
function track(limiter: RateLimiter, origin: number, count = 1, signal?: AbortSignal) {
  const record = { at: undefined as number | undefined, error: undefined as unknown };
  const promise = limiter.acquire(count, { signal }).then(
    () => {
      record.at = elapsedSince(origin);
    },
    (error: unknown) => {
      record.error = error;
    },
  );
  return { record, promise };
}

describe('RateLimiter', () => {
  it('starts full and grants a burst at once, then refuses without waiting', () => {
    const limiter = new RateLimiter({ perMinute: 600, burst: 3 });
    expect(limiter.availableTokens).toBe(3);
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([
      true,
      true,
      true,
    ]);
    expect(limiter.tryAcquire()).toBe(false);
    expectNoLeaks();
  });

  it('refills continuously at perMinute / 60 per second and never past burst', async () => {
    const limiter = new RateLimiter({ perMinute: 600, burst: 2 });
    limiter.tryAcquire(2);
    await vi.advanceTimersByTimeAsync(50);
    expect(limiter.availableTokens).toBeCloseTo(0.5, 9);
    expect(limiter.tryAcquire()).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(limiter.tryAcquire()).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(limiter.availableTokens).toBe(2);
  });

  it('reads availableTokens without taking or moving anything', async () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 });
    limiter.tryAcquire();
    await vi.advanceTimersByTimeAsync(500);
    expect(limiter.availableTokens).toBeCloseTo(0.5, 9);
    expect(limiter.availableTokens).toBeCloseTo(0.5, 9);
    await vi.advanceTimersByTimeAsync(500);
    expect(limiter.tryAcquire()).toBe(true);
  });

  it('makes acquire wait exactly until the token exists', async () => {
    const origin = systemClock.now();
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 });
    const first = track(limiter, origin);
    const second = track(limiter, origin);
    const third = track(limiter, origin);
    await vi.advanceTimersByTimeAsync(3000);
    await Promise.all([first.promise, second.promise, third.promise]);
    expect([first.record.at, second.record.at, third.record.at]).toEqual([0, 1000, 2000]);
    expectNoLeaks();
  });

  it('serves waiters first come first served, a large request holding back smaller ones', async () => {
    const origin = systemClock.now();
    const limiter = new RateLimiter({ perMinute: 600, burst: 3 });
    limiter.tryAcquire(3);
    const big = track(limiter, origin, 3);
    const small = track(limiter, origin, 1);
    expect(limiter.pending).toBe(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(limiter.tryAcquire()).toBe(false);
    expect(big.record.at).toBeUndefined();
    expect(small.record.at).toBeUndefined();
    await vi.advanceTimersByTimeAsync(150);
    expect(big.record.at).toBe(300);
    expect(small.record.at).toBe(400);
    expect(limiter.pending).toBe(0);
  });

  it('refuses tryAcquire while others wait, even with a token in the bucket', async () => {
    const limiter = new RateLimiter({ perMinute: 600, burst: 2 });
    limiter.tryAcquire(2);
    const waiting = limiter.acquire(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(limiter.availableTokens).toBeCloseTo(1, 9);
    expect(limiter.tryAcquire()).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await waiting;
  });

  it('rejects a waiter whose signal aborts, at once, and serves the next in line', async () => {
    const origin = systemClock.now();
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 });
    limiter.tryAcquire(2);
    const controller = new AbortController();
    const head = track(limiter, origin, 2, controller.signal);
    const next = track(limiter, origin, 1);
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort(new Error('gone'));
    await head.promise;
    expect(head.record.error).toEqual(new Error('gone'));
    expect(elapsedSince(origin)).toBe(1000);
    await next.promise;
    expect(next.record.at).toBe(1000);
    expect(limiter.pending).toBe(0);
    expectNoLeaks(controller.signal);
  });

  it('rejects at once for a signal aborted before the call', async () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 });
    const signal = AbortSignal.abort(new Error('already'));
    await expect(limiter.acquire(1, { signal })).rejects.toThrow('already');
    expect(limiter.availableTokens).toBe(1);
  });

  it('removes a cancelled waiter from the middle of the line without disturbing the rest', async () => {
    const origin = systemClock.now();
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 });
    limiter.tryAcquire();
    const controller = new AbortController();
    const a = track(limiter, origin);
    const b = track(limiter, origin, 1, controller.signal);
    const c = track(limiter, origin);
    await vi.advanceTimersByTimeAsync(500);
    expect(limiter.pending).toBe(3);
    controller.abort();
    expect(limiter.pending).toBe(2);
    await vi.advanceTimersByTimeAsync(1500);
    await Promise.all([a.promise, b.promise, c.promise]);
    expect(a.record.at).toBe(1000);
    expect(b.record.error).toBeInstanceOf(DOMException);
    expect(c.record.at).toBe(2000);
    expectNoLeaks(controller.signal);
  });

  it('refuses a request larger than burst: acquire rejects, tryAcquire returns false', async () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 });
    expect(limiter.tryAcquire(3)).toBe(false);
    await expect(limiter.acquire(3)).rejects.toMatchObject({
      code: 'E_RATE_LIMIT_EXCEEDS_BURST',
    });
    expect(limiter.availableTokens).toBe(2);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a token count of %s', (count) => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 });
    expect(() => limiter.tryAcquire(count)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }) as Error,
    );
    expect(() => limiter.acquire(count)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }) as Error,
    );
  });

  it.each([
    [{ perMinute: 0, burst: 1 }, 'rateLimit.perMinute'],
    [{ perMinute: Infinity, burst: 1 }, 'rateLimit.perMinute'],
    [{ perMinute: 60, burst: 0 }, 'rateLimit.burst'],
    [{ perMinute: 60, burst: 2.5 }, 'rateLimit.burst'],
  ])('refuses settings %o, naming %s', (options, field) => {
    expect(() => new RateLimiter(options)).toThrow(
      expect.objectContaining({ code: 'E_POLICY_INVALID', field }) as Error,
    );
  });

  it('runs on an injected clock', () => {
    let now = 0;
    const timers: (() => void)[] = [];
    const clock: Clock = {
      now: () => now,
      setTimer: (callback) => timers.push(callback),
      clearTimer: () => undefined,
    };
    const limiter = new RateLimiter({ perMinute: 60, burst: 1, clock });
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    now = 1000;
    expect(limiter.tryAcquire()).toBe(true);
    expect(timers).toHaveLength(0);
  });

  it('never lets more than burst + rate × t start in any window, whatever the arrivals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          perMinute: fc.integer({ min: 1, max: 6000 }),
          burst: fc.integer({ min: 1, max: 10 }),
          gaps: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 60 }),
        }),
        async ({ perMinute, burst, gaps }) => {
          const origin = systemClock.now();
          const limiter = new RateLimiter({ perMinute, burst });
          const grants: number[] = [];
          const pending: Promise<void>[] = [];
          for (const gap of gaps) {
            await vi.advanceTimersByTimeAsync(gap);
            pending.push(
              limiter.acquire().then(() => {
                grants.push(elapsedSince(origin));
              }),
            );
          }
          await vi.runAllTimersAsync();
          await Promise.all(pending);
          expect(grants).toHaveLength(gaps.length);
          const perMs = perMinute / 60_000;
          for (let i = 0; i < grants.length; i += 1) {
            for (let j = i; j < grants.length; j += 1) {
              const span = (grants[j] as number) - (grants[i] as number);
              expect(j - i + 1).toBeLessThanOrEqual(burst + perMs * span + 1e-6);
            }
          }
          expect(vi.getTimerCount()).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finishes a saturated run in the time the bucket allows, to the millisecond', async () => {
    const origin = systemClock.now();
    const limiter = new RateLimiter({ perMinute: 600, burst: 10 });
    const grants: number[] = [];
    const all = Array.from({ length: 200 }, () =>
      limiter.acquire().then(() => grants.push(elapsedSince(origin))),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);
    // 10 at once, then one every 100 ms: the 200th at (200 − 10) × 100 ms.
    expect(grants.slice(0, 10)).toEqual(Array<number>(10).fill(0));
    expect(grants[10]).toBe(100);
    expect(grants.at(-1)).toBe(19_000);
  });

  it('keeps thousands of concurrent acquires and cancels consistent: none lost, none doubled', async () => {
    const limiter = new RateLimiter({ perMinute: 60_000, burst: 5 });
    const outcomes = new Map<number, string>();
    const controllers: AbortController[] = [];
    const all: Promise<void>[] = [];
    const order: number[] = [];
    for (let i = 0; i < 5000; i += 1) {
      const controller = new AbortController();
      controllers.push(controller);
      all.push(
        limiter.acquire(1, { signal: controller.signal }).then(
          () => {
            if (outcomes.has(i)) throw new Error(`acquire ${i} settled twice`);
            outcomes.set(i, 'granted');
            order.push(i);
          },
          () => {
            if (outcomes.has(i)) throw new Error(`acquire ${i} settled twice`);
            outcomes.set(i, 'cancelled');
          },
        ),
      );
    }
    for (let i = 0; i < 5000; i += 3) controllers[i]?.abort();
    await vi.advanceTimersByTimeAsync(2000);
    for (let i = 1; i < 5000; i += 7) controllers[i]?.abort();
    await vi.runAllTimersAsync();
    await Promise.all(all);
    expect(outcomes.size).toBe(5000);
    const granted = [...outcomes.values()].filter((o) => o === 'granted').length;
    expect(granted).toBe(order.length);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(limiter.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    for (const controller of controllers) {
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    }
  });
});
