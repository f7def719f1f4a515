import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { PolicyValidationError, SchedulerError } from './executor-error.js';
import type { RateLimit } from './rate-limit.js';

/** A token bucket's settings. */
export interface RateLimiterOptions {
  /** Tokens added per minute, continuously. */
  readonly perMinute: number;
  /** The bucket's capacity; it starts full. */
  readonly burst: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

interface Waiter {
  readonly count: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  done: boolean;
}

// Float slack for tokens computed from elapsed time: a timer armed for the exact instant a token
// exists must find it there.
const EPSILON = 1e-9;
// A wait computed as 100.00000000000001 ms is a 100 ms wait, not 101.
const ROUNDING_MS = 1e-6;

/**
 * A token bucket: capacity `burst`, refilled continuously at `perMinute / 60` tokens per second,
 * served first come first served with a single timer. Over any window of t seconds it grants at
 * most `burst + perMinute × t / 60` tokens.
 */
export class RateLimiter implements RateLimit {
  readonly perMinute: number;
  readonly burst: number;
  readonly #clock: Clock;
  readonly #perMs: number;
  #tokens: number;
  #refilledAt: number;
  #waiters: Waiter[] = [];
  #head = 0;
  #timer: TimerHandle | undefined = undefined;

  /** @throws PolicyValidationError (`E_POLICY_INVALID`) for a bad rate or burst. */
  constructor(options: RateLimiterOptions) {
    const { perMinute, burst } = options;
    if (!(Number.isFinite(perMinute) && perMinute > 0)) {
      throw new PolicyValidationError([
        { field: 'rateLimit.perMinute', value: perMinute, message: 'must be a number > 0' },
      ]);
    }
    if (!(Number.isInteger(burst) && burst >= 1)) {
      throw new PolicyValidationError([
        { field: 'rateLimit.burst', value: burst, message: 'must be an integer ≥ 1' },
      ]);
    }
    this.perMinute = perMinute;
    this.burst = burst;
    this.#clock = options.clock ?? systemClock;
    this.#perMs = perMinute / 60_000;
    this.#tokens = burst;
    this.#refilledAt = this.#clock.now();
  }

  /** Tokens in the bucket now, fractional; reading changes nothing. */
  get availableTokens(): number {
    return Math.min(
      this.burst,
      this.#tokens + (this.#clock.now() - this.#refilledAt) * this.#perMs,
    );
  }

  /** Callers waiting in line. */
  get pending(): number {
    let count = 0;
    for (let i = this.#head; i < this.#waiters.length; i += 1) {
      if (!(this.#waiters[i] as Waiter).done) count += 1;
    }
    return count;
  }

  /**
   * Takes `count` tokens if they are there now and nobody is waiting ahead; never waits.
   * Returns false for a count above `burst`.
   */
  tryAcquire(count = 1): boolean {
    this.#checkCount(count);
    if (count > this.burst || this.#head < this.#waiters.length) return false;
    this.#refill();
    if (this.#tokens + EPSILON < count) return false;
    this.#tokens -= count;
    return true;
  }

  /**
   * Waits in line until `count` tokens are there and takes them.
   * @throws SchedulerError (`E_RATE_LIMIT_EXCEEDS_BURST`) for a count above `burst`; rejects
   * with the signal's reason when `signal` aborts first.
   */
  acquire(count = 1, options: { readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    this.#checkCount(count);
    if (count > this.burst) {
      return Promise.reject(
        new SchedulerError(
          'E_RATE_LIMIT_EXCEEDS_BURST',
          `cannot take ${count} tokens at once from a bucket of ${this.burst}`,
        ),
      );
    }
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.tryAcquire(count)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#drop(waiter);
        },
        done: false,
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      if (this.#timer === undefined) this.#serve();
    });
  }

  #checkCount(count: number): void {
    if (!(Number.isInteger(count) && count >= 1)) {
      throw new SchedulerError(
        'E_INVALID_ARGUMENT',
        `token count must be an integer ≥ 1, got ${String(count)}`,
      );
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#refilledAt) * this.#perMs);
    this.#refilledAt = now;
  }

  #drop(waiter: Waiter): void {
    const wasHead = this.#waiters[this.#head] === waiter;
    waiter.done = true;
    waiter.reject(waiter.signal?.reason);
    // Behind the head, nothing changes: the entry is skipped when its turn comes. The head
    // always has a timer armed; a new head is served afresh.
    if (!wasHead) return;
    this.#clock.clearTimer(this.#timer as TimerHandle);
    this.#serve();
  }

  #skipDone(): void {
    while (this.#head < this.#waiters.length && (this.#waiters[this.#head] as Waiter).done) {
      this.#head += 1;
    }
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }

  #serve(): void {
    this.#timer = undefined;
    this.#refill();
    for (;;) {
      this.#skipDone();
      const waiter = this.#waiters[this.#head];
      if (waiter === undefined) return;
      if (this.#tokens + EPSILON < waiter.count) {
        const waitMs = (waiter.count - this.#tokens) / this.#perMs;
        this.#timer = this.#clock.setTimer(
          () => {
            this.#serve();
            // Never 0: a timer that finds the clock unmoved must not spin.
          },
          Math.max(1, Math.ceil(waitMs - ROUNDING_MS)),
        );
        return;
      }
      this.#tokens -= waiter.count;
      waiter.done = true;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
  }
}
