import type { CaseJob } from '../queue/case-queue.js';
import type { PlannedCase } from './planned-case.js';

/** Where the feeder's jobs go (the case queue); how many it took. */
export interface JobSink {
  enqueue(jobs: Iterable<CaseJob>): Promise<number>;
}

/**
 * Feeds a run's pending cases to the queue a window at a time: at most `window` of its jobs are
 * in Redis at once (queued or running), topped up as results come back, so Redis's memory
 * follows the window, not the suite (a 100,000-case run holds a few thousand jobs).
 */
export class CaseFeeder {
  readonly #queue: JobSink;
  readonly #runId: string;
  readonly #pending: Iterator<PlannedCase>;
  readonly #window: number;
  #outstanding = 0;
  #exhausted = false;

  constructor(
    queue: JobSink,
    runId: string,
    pending: Iterable<PlannedCase>,
    options: { readonly window: number },
  ) {
    this.#queue = queue;
    this.#runId = runId;
    this.#pending = pending[Symbol.iterator]();
    this.#window = Math.max(1, options.window);
  }

  /** Jobs of the run in the queue now (enqueued, no result back yet). */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** A result came back for one of the fed cases. */
  settled(count = 1): void {
    this.#outstanding = Math.max(0, this.#outstanding - count);
  }

  /** Enqueues cases until the window is full or none is left. */
  async topUp(): Promise<void> {
    if (this.#exhausted || this.#outstanding >= this.#window) return;
    const room = this.#window - this.#outstanding;
    const jobs: CaseJob[] = [];
    while (jobs.length < room) {
      const next = this.#pending.next();
      if (next.done === true) {
        this.#exhausted = true;
        break;
      }
      jobs.push({ runId: this.#runId, caseId: next.value.caseId, payload: next.value });
    }
    this.#outstanding += await this.#queue.enqueue(jobs);
  }
}
