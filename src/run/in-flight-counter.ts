/**
 * Counts calls still running, and tells when none is. It holds no reference to the calls: a
 * long-lived collection of per-case promises keeps them reachable from the old generation, where
 * V8 promotes them (and all they hold) instead of letting them die young.
 */
export class InFlightCounter {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  readonly begin = (): void => {
    this.#count += 1;
  };

  readonly end = (): void => {
    this.#count -= 1;
    if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
  };

  /** Resolves once no call is running. */
  drained(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
