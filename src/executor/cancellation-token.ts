import { setMaxListeners } from 'node:events';
import { CancelledError } from './executor-error.js';

/** A run's signal: every wait and call of the run may listen to it, far more than ten. */
function broadcastController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * A cancellable flag with an AbortSignal, so it composes with fetch and timers. Cancelling
 * interrupts every wait that watches its signal at once.
 */
export class CancellationToken {
  #controller = broadcastController();

  /** Cancels; later calls do nothing. The signal's reason is a {@link CancelledError}. */
  cancel(reason = 'cancelled'): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new CancelledError(reason));
  }

  get isCancelled(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Aborts when the token is cancelled. A {@link reset} hands out a fresh one. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The reason given to {@link cancel}, while cancelled. */
  get reason(): string | undefined {
    return this.isCancelled
      ? (this.#controller.signal.reason as CancelledError).message
      : undefined;
  }

  /** @throws CancelledError (`E_CANCELLED`) when the token is cancelled. */
  throwIfCancelled(): void {
    if (this.isCancelled) throw this.#controller.signal.reason as CancelledError;
  }

  /**
   * Calls `callback` once when the token is cancelled (at once if it already is).
   * @returns a function that unsubscribes; calling it again does nothing.
   */
  onCancel(callback: (reason: CancelledError) => void): () => void {
    const signal = this.#controller.signal;
    if (signal.aborted) {
      callback(signal.reason as CancelledError);
      return () => undefined;
    }
    const listener = (): void => {
      callback(signal.reason as CancelledError);
    };
    signal.addEventListener('abort', listener, { once: true });
    return () => {
      signal.removeEventListener('abort', listener);
    };
  }

  /**
   * Makes the token usable again with a fresh, unaborted signal. Subscriptions made before stay
   * with the old signal.
   */
  reset(): void {
    this.#controller = broadcastController();
  }
}
