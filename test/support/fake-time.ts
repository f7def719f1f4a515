import { getEventListeners } from 'node:events';
import { expect, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.js';

/**
 * Puts the global timers, Date and performance on vitest's fake clock. The system clock reads
 * them at each call, so every executor part runs on fake time with no injection.
 */
export function useFakeTime(): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

/** Milliseconds of fake time since `origin` (a systemClock reading). */
export function elapsedSince(origin: number): number {
  return systemClock.now() - origin;
}

/** Asserts that nothing was left behind: no timer armed, no abort listener on any signal. */
export function expectNoLeaks(...signals: AbortSignal[]): void {
  expect(vi.getTimerCount()).toBe(0);
  for (const signal of signals) expect(getEventListeners(signal, 'abort')).toHaveLength(0);
}

/** A promise with its settle functions outside. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A task body that waits `ms` of (fake) time, honouring its signal, then returns `value`. */
export function waitThen<T>(ms: number, value: T, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `n` test cases with ids `c1..cn`. */
export function cases(n: number): { id: string; parameters: { i: number } }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `c${i + 1}`, parameters: { i: i + 1 } }));
}
