import type { ExecutorObserver } from '../executor/executor-observer.js';
import type { ResultRecord } from '../store/run-store.js';
import { resultPassed } from '../store/result-facts.js';

/** A run's progress at one moment. */
export interface ProgressSnapshot {
  readonly total: number;
  readonly done: number;
  readonly passed: number;
  readonly failed: number;
  readonly inFlight: number;
  /** Waiting out a retry backoff. */
  readonly backoff: number;
  readonly queued: number;
  /** The executor's concurrency now (lower after a 429). */
  readonly concurrency: number | undefined;
  readonly elapsedMs: number;
  /** A distributed run's results so far from each worker. */
  readonly workers?: Readonly<Record<string, number>> | undefined;
  /** At the pace so far; undefined until something finished. */
  readonly etaMs: number | undefined;
}

/**
 * Counts a run's progress from the executor's events, for a live display: done, passed,
 * failed, in flight, in backoff, queued, the current concurrency, elapsed time and ETA.
 */
export class RunProgress {
  readonly #now: () => number;
  #startedAt = 0;
  #total = 0;
  #done = 0;
  #passed = 0;
  #inFlight = 0;
  readonly #inBackoff = new Set<string>();
  #concurrency: number | undefined = undefined;
  readonly #workers = new Map<string, number>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Starts counting a run of `total` cases. */
  begin(total: number): void {
    this.#startedAt = this.#now();
    this.#total = total;
  }

  /** The hooks to give the executor. */
  readonly observer: ExecutorObserver = {
    onTaskStart: (task) => {
      this.#inBackoff.delete(task.id);
      this.#inFlight += 1;
    },
    onTaskRetry: (task) => {
      this.#inFlight -= 1;
      this.#inBackoff.add(task.id);
    },
    onTaskEnd: (task) => {
      // A task ends in flight, in backoff (cancelled there), or before it ever started.
      const wasInBackoff = this.#inBackoff.delete(task.id);
      if (!wasInBackoff && task.attempts > 0) this.#inFlight -= 1;
      this.#done += 1;
    },
    onConcurrencyChange: (limit) => {
      this.#concurrency = limit;
    },
  };

  /**
   * Counts a case's result as passed or not by the run's one pass rule (its assertions, not
   * only Dify's success): the live count agrees with the final pass rate.
   */
  recorded(record: Pick<ResultRecord, 'passed' | 'status'>): void {
    if (resultPassed(record)) this.#passed += 1;
  }

  /** A result a worker sent back (a distributed run): one more done, and for that worker. */
  receivedFrom(worker: string): void {
    this.#done += 1;
    this.#workers.set(worker, (this.#workers.get(worker) ?? 0) + 1);
  }

  /** A distributed run's cases running on workers now, as the queue counts them. */
  runningOnWorkers(active: number): void {
    this.#inFlight = Math.max(0, Math.min(active, this.#total - this.#done));
  }

  snapshot(): ProgressSnapshot {
    const elapsedMs = this.#now() - this.#startedAt;
    const left = this.#total - this.#done;
    return {
      total: this.#total,
      done: this.#done,
      passed: this.#passed,
      failed: Math.max(0, this.#done - this.#passed),
      inFlight: this.#inFlight,
      backoff: this.#inBackoff.size,
      queued: Math.max(0, left - this.#inFlight - this.#inBackoff.size),
      concurrency: this.#concurrency,
      elapsedMs,
      workers: this.#workers.size === 0 ? undefined : Object.fromEntries(this.#workers),
      etaMs: this.#done === 0 ? undefined : (elapsedMs / this.#done) * left,
    };
  }
}
