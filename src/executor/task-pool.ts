import { getEventListeners, setMaxListeners } from 'node:events';
import { sleep, type Clock, type TimerHandle } from '../core/clock.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { computeBackoffMs } from './backoff.js';
import { cancelTask } from './cancel-task.js';
import { classifyFailure, type FailureClass } from './classify-failure.js';
import type { RetryPolicy } from './execution-policy.js';
import { TaskTimeoutError } from './executor-error.js';
import type { ExecutorObserver, TaskFunction } from './executor-observer.js';
import type { RateLimit } from './rate-limit.js';
import type { Task } from './task.js';

/** Tasks in input order; a task's place may be emptied once it has ended. */
export type PoolTasks = readonly (Task | undefined)[];

/** Where a pool takes its tasks from, in order. */
export interface TaskFeed {
  /** Called once, when the pool starts: queues the tasks known already. */
  start(now: number): void;
  /** The next task, queued; undefined once there is none left. */
  take(now: number): Task | undefined;
}

/** A feed that knows when it has nothing left (a stream of cases pulled as places free). */
export type StreamFeed = TaskFeed & { readonly ended: () => boolean };

/** The tasks `tasks[start..end)`, all queued when the pool starts. */
export function rangeFeed(tasks: PoolTasks, start: number, end: number): TaskFeed {
  let next = start;
  return {
    start: (now) => {
      for (let i = start; i < end; i += 1) (tasks[i] as Task).transition('queued', now);
    },
    take: () => (next < end ? tasks[next++] : undefined),
  };
}

/** At most `count` tasks of `feed`: one batch of a stream. */
export function limitFeed(feed: TaskFeed, count: number): TaskFeed {
  let taken = 0;
  return {
    start: (now) => {
      feed.start(now);
    },
    take: (now) => {
      if (taken >= count) return undefined;
      const task = feed.take(now);
      if (task !== undefined) taken += 1;
      return task;
    },
  };
}

/** What every pool of one run shares. */
export interface PoolSettings {
  readonly taskFn: TaskFunction;
  readonly clock: Clock;
  readonly random: () => number;
  readonly retry: RetryPolicy;
  readonly concurrency: ConcurrencyLimit;
  readonly rateLimiter: RateLimit | undefined;
  readonly observer: ExecutorObserver;
  /** Called once per task, the moment it reaches a terminal state. */
  readonly onTaskEnd: (task: Task) => void;
  /** No attempt starts before `until` (epoch ms): a target's retry-after, shared by the run. */
  readonly hold: { until: number };
}

/** A place for one attempt in flight; its abort controller is reused while nobody listens to it. */
interface Slot {
  controller: AbortController;
  task: Task | undefined;
  deadline: number;
  /** Bumped whenever the slot's attempt ends, so a late settlement is recognised and ignored. */
  epoch: number;
}

/**
 * Runs the tasks of a feed as a continuous pool, taking the next one as a place frees: at most `concurrency.limit` in flight,
 * a rate-limit token per attempt, retries with backoff, one shared timer for every timeout, and
 * every wait abortable through `signal`. Resolves when each of its tasks is terminal.
 */
export class TaskPool {
  readonly #settings: PoolSettings;
  readonly #feed: TaskFeed;
  /** The feed said it has no task left. */
  #drained = false;
  readonly #signal: AbortSignal;
  readonly #slots: Slot[] = [];
  readonly #free: Slot[] = [];
  readonly #backoffs = new Map<Task, TimerHandle>();
  #ready: Task[] = [];
  #readyHead = 0;
  /** Tasks holding a place: running, or waiting for a token or the hold to pass. */
  #active = 0;
  #stopped = false;
  #deadlineTimer: TimerHandle | undefined = undefined;
  #armedFor = Infinity;
  #resolve: (() => void) | undefined = undefined;
  /**
   * Aborted when the pool stops. Every task waiting for a token or a retry-after listens to it,
   * possibly hundreds at once, so it has no listener limit; the caller's signal gets one listener.
   */
  readonly #gate = new AbortController();
  readonly #onAbort = (): void => {
    this.#shutdown(this.#signal.reason);
  };

  constructor(settings: PoolSettings, feed: TaskFeed, signal: AbortSignal) {
    this.#settings = settings;
    this.#feed = feed;
    this.#signal = signal;
    setMaxListeners(0, this.#gate.signal);
  }

  /** Runs every task of the feed to a terminal state. */
  run(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    this.#feed.start(this.#settings.clock.now());
    if (this.#signal.aborted) {
      this.#shutdown(this.#signal.reason);
    } else {
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
      this.#pump();
    }
    return done;
  }

  #takeReady(): Task | undefined {
    if (this.#readyHead < this.#ready.length) {
      const task = this.#ready[this.#readyHead] as Task;
      this.#readyHead += 1;
      if (this.#readyHead === this.#ready.length) {
        this.#ready = [];
        this.#readyHead = 0;
      }
      return task;
    }
    if (this.#drained) return undefined;
    const task = this.#feed.take(this.#settings.clock.now());
    if (task === undefined) this.#drained = true;
    return task;
  }

  #pump(): void {
    while (!this.#stopped && this.#active < this.#settings.concurrency.limit) {
      const task = this.#takeReady();
      if (task === undefined) break;
      this.#active += 1;
      this.#admit(task);
    }
    this.#checkDone();
  }

  #admit(task: Task): void {
    const { clock, rateLimiter, hold } = this.#settings;
    if (hold.until > clock.now() || (rateLimiter !== undefined && !rateLimiter.tryAcquire())) {
      void this.#admitLater(task);
      return;
    }
    this.#launch(task);
  }

  /** Waits out the hold and a rate-limit token, then launches; cancels if the run stops first. */
  async #admitLater(task: Task): Promise<void> {
    const { clock, rateLimiter, hold } = this.#settings;
    const signal = this.#gate.signal;
    try {
      for (let waitMs = hold.until - clock.now(); waitMs > 0; waitMs = hold.until - clock.now()) {
        await sleep(clock, waitMs, { signal });
      }
      await rateLimiter?.acquire(1, { signal });
    } catch {
      // Only an abort of the run ends these waits early.
    }
    if (!signal.aborted) {
      this.#launch(task);
      return;
    }
    this.#active -= 1;
    cancelTask(task, signal.reason, clock.now());
    this.#settings.onTaskEnd(task);
    this.#checkDone();
  }

  #launch(task: Task): void {
    const { clock, taskFn, observer } = this.#settings;
    const now = clock.now();
    task.transition('running', now);
    const slot = this.#free.pop() ?? this.#newSlot();
    const reusable =
      !slot.controller.signal.aborted &&
      getEventListeners(slot.controller.signal, 'abort').length === 0;
    if (!reusable) slot.controller = new AbortController();
    slot.task = task;
    slot.deadline = now + task.timeoutMs;
    const epoch = slot.epoch;
    if (slot.deadline < this.#armedFor) this.#armDeadline(slot.deadline, now);
    observer.onTaskStart?.(task);
    let attempt: Promise<unknown>;
    try {
      attempt = Promise.resolve(taskFn(task, slot.controller.signal));
    } catch (thrown) {
      // Whatever was thrown is classified as it is, Error or not.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      attempt = Promise.reject(thrown);
    }
    attempt.then(
      (output) => {
        this.#settled(slot, epoch, true, output);
      },
      (thrown: unknown) => {
        this.#settled(slot, epoch, false, thrown);
      },
    );
  }

  #newSlot(): Slot {
    const slot: Slot = {
      controller: new AbortController(),
      task: undefined,
      deadline: 0,
      epoch: 0,
    };
    this.#slots.push(slot);
    return slot;
  }

  /** Frees the slot of an attempt that ended and returns its task. */
  #release(slot: Slot): Task {
    const task = slot.task as Task;
    slot.epoch += 1;
    slot.task = undefined;
    this.#free.push(slot);
    this.#active -= 1;
    return task;
  }

  #settled(slot: Slot, epoch: number, ok: boolean, value: unknown): void {
    // A timeout or a cancellation already ended this attempt.
    if (slot.epoch !== epoch) return;
    const task = this.#release(slot);
    if (ok) {
      task.finish('succeeded', this.#settings.clock.now(), { output: value });
      this.#changeConcurrency(() => {
        this.#settings.concurrency.onSuccess();
      });
      this.#settings.onTaskEnd(task);
    } else {
      // A task function's own timeout (a nested executor's, say) is a timeout too.
      this.#failed(task, classifyFailure(value), value instanceof TaskTimeoutError);
    }
    this.#pump();
  }

  #failed(task: Task, failure: FailureClass, timedOut: boolean): void {
    const { clock, retry, random, hold, observer } = this.#settings;
    const { hints, error } = failure;
    const now = clock.now();
    if (hints.rateLimited === true) {
      this.#changeConcurrency(() => {
        this.#settings.concurrency.onRateLimited(hints.concurrencyLimit);
      });
      if (hints.retryAfterMs !== undefined) {
        hold.until = Math.max(hold.until, now + hints.retryAfterMs);
      }
    }
    if (failure.kind === 'retryable' && task.attempts < task.maxAttempts) {
      task.transition('queued', now);
      task.lastError = error;
      const delayMs = Math.max(
        computeBackoffMs(retry, task.attempts, random),
        hints.retryAfterMs ?? 0,
      );
      observer.onTaskRetry?.(task, error, delayMs);
      if (delayMs > 0) {
        this.#backoffs.set(
          task,
          clock.setTimer(() => {
            this.#backoffs.delete(task);
            this.#ready.push(task);
            this.#pump();
          }, delayMs),
        );
      } else {
        this.#ready.push(task);
      }
      return;
    }
    const status = failure.kind === 'unexpected' ? 'error' : timedOut ? 'timeout' : 'failed';
    task.finish(status, now, { error });
    this.#settings.onTaskEnd(task);
  }

  #changeConcurrency(change: () => void): void {
    const before = this.#settings.concurrency.limit;
    change();
    const after = this.#settings.concurrency.limit;
    if (after !== before) this.#settings.observer.onConcurrencyChange?.(after);
  }

  #armDeadline(deadline: number, now: number): void {
    const { clock } = this.#settings;
    if (this.#deadlineTimer !== undefined) clock.clearTimer(this.#deadlineTimer);
    this.#armedFor = deadline;
    this.#deadlineTimer = clock.setTimer(
      () => {
        this.#sweepDeadlines();
      },
      Math.max(1, Math.ceil(deadline - now)),
    );
  }

  /** Times out every attempt past its deadline, then re-arms for the earliest one left. */
  #sweepDeadlines(): void {
    this.#deadlineTimer = undefined;
    this.#armedFor = Infinity;
    const now = this.#settings.clock.now();
    let earliest = Infinity;
    for (const slot of this.#slots) {
      const task = slot.task;
      if (task === undefined) continue;
      if (slot.deadline > now) {
        earliest = Math.min(earliest, slot.deadline);
        continue;
      }
      const controller = slot.controller;
      this.#release(slot);
      const timeout = new TaskTimeoutError({
        taskId: task.id,
        timeoutMs: task.timeoutMs,
        elapsedMs: now - (task.attemptStartedAt as number),
      });
      controller.abort(timeout);
      this.#failed(
        task,
        { kind: 'retryable', hints: {}, error: { code: timeout.code, message: timeout.message } },
        true,
      );
    }
    if (earliest !== Infinity && !this.#stopped) this.#armDeadline(earliest, now);
    this.#pump();
  }

  /** Stops the pool: nothing new starts, and every task not finished ends cancelled. */
  #shutdown(reason: unknown): void {
    // Called once: from run() for a signal aborted already, or else by the abort listener.
    this.#stopped = true;
    this.#gate.abort(reason);
    const { clock, onTaskEnd } = this.#settings;
    const now = clock.now();
    for (const slot of this.#slots) {
      if (slot.task === undefined) continue;
      const controller = slot.controller;
      const task = this.#release(slot);
      controller.abort(reason);
      cancelTask(task, reason, now);
      onTaskEnd(task);
    }
    for (const [task, timer] of this.#backoffs) {
      clock.clearTimer(timer);
      cancelTask(task, reason, now);
      onTaskEnd(task);
    }
    this.#backoffs.clear();
    for (let task = this.#takeReady(); task !== undefined; task = this.#takeReady()) {
      cancelTask(task, reason, now);
      onTaskEnd(task);
    }
    this.#checkDone();
  }

  #checkDone(): void {
    const idle =
      this.#active === 0 &&
      this.#backoffs.size === 0 &&
      this.#readyHead === this.#ready.length &&
      this.#drained;
    if (!idle || this.#resolve === undefined) return;
    if (this.#deadlineTimer !== undefined) {
      this.#settings.clock.clearTimer(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
    }
    this.#signal.removeEventListener('abort', this.#onAbort);
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve();
  }
}
