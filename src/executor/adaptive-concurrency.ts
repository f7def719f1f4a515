import type { ConcurrencyLimit } from './concurrency-limit.js';

/**
 * How many tasks may be in flight, adapting to the target: halved when the target refuses a call
 * for its limits (never above a concurrency cap it states), raised by one after as many
 * consecutive successes as the current limit, never above the policy's concurrency.
 */
export class AdaptiveConcurrency implements ConcurrencyLimit {
  readonly max: number;
  #limit: number;
  #ceiling: number;
  #successes = 0;

  constructor(max: number) {
    this.max = max;
    this.#limit = max;
    this.#ceiling = max;
  }

  /** Tasks allowed in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /** The highest the limit may climb back to: the policy's, or the target's stated cap. */
  get ceiling(): number {
    return this.#ceiling;
  }

  /** The target refused a call for its limits; `stated` is the cap it announced, if any. */
  onRateLimited(stated?: number): void {
    if (stated !== undefined) this.#ceiling = Math.max(1, Math.min(this.#ceiling, stated));
    this.#limit = Math.max(1, Math.min(Math.floor(this.#limit / 2), this.#ceiling));
    this.#successes = 0;
  }

  /** A call succeeded. */
  onSuccess(): void {
    if (this.#limit >= this.#ceiling) return;
    this.#successes += 1;
    if (this.#successes >= this.#limit) {
      this.#successes = 0;
      this.#limit += 1;
    }
  }
}
