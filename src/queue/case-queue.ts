import { Queue, Worker, type Job } from 'bullmq';

/** The one queue every worker serves; a job names its run. */
export const CASE_QUEUE = 'dify-autoopt-cases';

/** A queued case: the run it belongs to, its id, and the case itself as plain JSON. */
export interface CaseJob {
  readonly runId: string;
  readonly caseId: string;
  readonly payload: unknown;
}

/**
 * A job's id, from its run and case: enqueueing a case again (after a coordinator's crash, or on
 * resume) adds nothing while the first job is still there. BullMQ keeps `:` for its own keys.
 */
export function jobIdOf(runId: string, caseId: string): string {
  return `${runId}|${caseId}`.replaceAll(':', '~');
}

/** How a process reaches Redis for the queue. */
export function queueConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  // BullMQ's blocking calls need ioredis to wait for a reconnect rather than give up.
  return { url, maxRetriesPerRequest: null };
}

/** The coordinator's side of the queue: cases in, in chunks. */
export class CaseQueue {
  readonly #queue: Queue<CaseJob>;

  constructor(url: string) {
    this.#queue = new Queue<CaseJob>(CASE_QUEUE, { connection: queueConnection(url) });
  }

  /** Enqueues the cases (their results travel back on the run's stream, not in the job). */
  async enqueue(
    jobs: Iterable<CaseJob>,
    options: { readonly chunk?: number } = {},
  ): Promise<number> {
    const size = options.chunk ?? 500;
    let batch: CaseJob[] = [];
    let count = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.#queue.addBulk(
        batch.map((data) => ({
          name: 'case',
          data,
          opts: {
            jobId: jobIdOf(data.runId, data.caseId),
            // Finished jobs leave Redis at once: its memory follows what is queued, not the run.
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
      count += batch.length;
      batch = [];
    };
    for (const job of jobs) {
      batch.push(job);
      if (batch.length >= size) await flush();
    }
    await flush();
    return count;
  }

  /** Jobs a worker is running now. */
  async active(): Promise<number> {
    return (await this.#queue.getJobCounts('active')).active ?? 0;
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

/** How long a worker holds a job before another may take it, and how often that is checked. */
export interface LockTimings {
  /** @default 30000 */
  readonly lockDurationMs?: number | undefined;
  /** @default 15000 */
  readonly stalledIntervalMs?: number | undefined;
}

/** A job as a worker takes it: its case, and how many times the queue has handed it out. */
export type DeliveredJob = CaseJob & {
  /** 1 the first time; more after a worker died holding it. */
  readonly deliveries: number;
};

/**
 * Serves the queue: `process` runs each job; a job whose worker died goes back to the queue once
 * its lock lapses (as often as it takes: a case is never dropped for its workers' deaths).
 */
export function serveCaseQueue(
  url: string,
  process: (job: DeliveredJob, signal: AbortSignal | undefined) => Promise<void>,
  options: { readonly concurrency: number; readonly name: string } & LockTimings,
): Worker<CaseJob> {
  return new Worker<CaseJob>(
    CASE_QUEUE,
    async (job: Job<CaseJob>, _token?: string, signal?: AbortSignal) => {
      await process({ ...job.data, deliveries: Math.max(1, job.attemptsStarted) }, signal);
    },
    {
      connection: queueConnection(url),
      concurrency: options.concurrency,
      name: options.name,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    },
  );
}
