import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectNoLeaks, useFakeTime } from '../../test/support/fake-time.js';
import { sleep, systemClock } from './clock.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('reads epoch milliseconds that follow the timers', async () => {
    const start = systemClock.now();
    expect(Math.abs(start - Date.now())).toBeLessThan(60_000);
    await vi.advanceTimersByTimeAsync(250);
    expect(systemClock.now() - start).toBe(250);
  });

  it('arms and clears timers', async () => {
    const fired = vi.fn();
    const handle = systemClock.setTimer(fired, 10);
    systemClock.clearTimer(handle);
    systemClock.setTimer(fired, 20);
    await vi.advanceTimersByTimeAsync(20);
    expect(fired).toHaveBeenCalledTimes(1);
  });
});

describe('sleep', () => {
  it('resolves after the delay and leaves nothing behind', async () => {
    const controller = new AbortController();
    const start = systemClock.now();
    const done = sleep(systemClock, 100, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(systemClock.now() - start).toBe(100);
    expectNoLeaks(controller.signal);
  });

  it('rejects with the reason as soon as the signal aborts, disarming its timer', async () => {
    const controller = new AbortController();
    const done = sleep(systemClock, 100, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('stop'));
    await expect(done).rejects.toThrow('stop');
    expectNoLeaks(controller.signal);
  });

  it('rejects at once for an aborted signal and arms nothing', async () => {
    await expect(
      sleep(systemClock, 100, { signal: AbortSignal.abort(new Error('x')) }),
    ).rejects.toThrow('x');
    expectNoLeaks();
  });

  it('works without a signal', async () => {
    const done = sleep(systemClock, 5);
    await vi.advanceTimersByTimeAsync(5);
    await expect(done).resolves.toBeUndefined();
  });
});
