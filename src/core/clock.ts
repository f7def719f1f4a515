/** An opaque handle for a timer armed through a {@link Clock}. */
export type TimerHandle = object | number;

/**
 * The source of time and timers, injected so that tests run on a fake clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, with sub-millisecond precision and never going back. */
  now(): number;
  /** Calls `callback` once after `delayMs`. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Disarms a timer; disarming one that fired already is harmless. */
  clearTimer(handle: TimerHandle): void;
}

/**
 * The real clock: a monotonic `performance.now()` anchored at the process's start, and the global
 * timers. Globals are read at each call so that test fake timers apply.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimer: (handle) => {
    globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};

/**
 * Waits `delayMs` on `clock`; rejects with the signal's reason as soon as `signal` aborts, and
 * leaves no timer or listener behind either way. Built on the injected clock rather than
 * `node:timers/promises` so that a fake clock drives it.
 */
export function sleep(
  clock: Clock,
  delayMs: number,
  options: { readonly signal?: AbortSignal | undefined } = {},
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimer(handle);
      reject(signal?.reason as Error);
    };
    const handle = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
