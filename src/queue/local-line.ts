import { sleep, type Clock } from '../core/clock.js';

/** What Redis told the head of the line: granted (with what it got), or to ask again later. */
export type LineAnswer<V> =
  | { readonly granted: true; readonly value: V }
  | { readonly granted: false; readonly retryMs: number };

/** How a {@link LocalLine} asks for its head and gives back what nobody took. */
export interface LocalLineOptions<T, V> {
  /** One Redis call for the head's `item`. */
  readonly ask: (item: T) => Promise<LineAnswer<V>>;
  /** A grant whose waiter was aborted while its call was out (a slot to give back). */
  readonly abandon?: ((item: T, value: V) => void) | undefined;
  readonly clock: Clock;
}

interface Waiter<T, V> {
  readonly item: T;
  readonly signal: AbortSignal | undefined;
  /** Settles the waiter once (granted, refused or aborted) and removes its abort listener. */
  readonly settle: (outcome: { value: V } | { error: Error }) => void;
}

/**
 * The waiters of one process for something only Redis can grant (a token, a slot): they queue
 * here in order and only the head asks Redis, so each grant costs about one call however many
 * wait. An aborted waiter leaves the line at once; a Redis failure fails the head alone.
 */
export class LocalLine<T, V> {
  readonly #options: LocalLineOptions<T, V>;
  readonly #queue: Waiter<T, V>[] = [];
  #pumping = false;
  #wake: AbortController | undefined;

  constructor(options: LocalLineOptions<T, V>) {
    this.#options = options;
  }

  /** Waits in line, then until Redis grants `item`; rejects when `signal` aborts. */
  wait(item: T, signal: AbortSignal | undefined): Promise<V> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<V>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        waiter.settle({ error: signal?.reason as Error });
      };
      const waiter: Waiter<T, V> = {
        item,
        signal,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          if ('error' in outcome) reject(outcome.error);
          else resolve(outcome.value);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      void this.#pump();
    });
  }

  /** Something was freed here: a head pausing between asks asks again now. */
  nudge(): void {
    this.#wake?.abort();
  }

  /** Serves the head first, one call at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
        let answer: LineAnswer<V>;
        try {
          answer = await this.#options.ask(head.item);
        } catch (error) {
          // Redis refused or went away: this waiter fails; the next in line asks afresh.
          head.settle({ error: error as Error });
          continue;
        }
        // The head may have been aborted while its call was out: its grant goes back.
        if (this.#queue[0] !== head) {
          if (answer.granted) this.#options.abandon?.(head.item, answer.value);
          continue;
        }
        if (answer.granted) {
          head.settle({ value: answer.value });
          continue;
        }
        const wake = new AbortController();
        this.#wake = wake;
        const signal =
          head.signal === undefined ? wake.signal : AbortSignal.any([head.signal, wake.signal]);
        await sleep(this.#options.clock, answer.retryMs, { signal }).catch(() => undefined);
        this.#wake = undefined;
      }
    } finally {
      this.#pumping = false;
    }
  }
}
