import { sleep } from '../core/clock.js';
import { cancelTask } from './cancel-task.js';
import { ConcurrentExecutor } from './concurrent-executor.js';
import type { ExecutionContext, RunTasks } from './executor-base.js';
import { CancelledError } from './executor-error.js';
import { TaskPool, limitFeed, rangeFeed, type PoolSettings, type StreamFeed } from './task-pool.js';
import type { Task } from './task.js';

/**
 * A {@link ConcurrentExecutor} with batches and stop conditions. With `batchSize`, tasks run in
 * waves with an abortable pause between them. After every task it checks the stop conditions:
 * once `maxFailures` tasks ended failed, timeout or error, or the run's `timeout` passed, nothing
 * new starts, tasks in flight are aborted, and every unfinished task ends cancelled with the
 * reason (`stop: max_failures`, `stop: timeout`).
 */
export class TaskScheduler extends ConcurrentExecutor {
  protected override async executeTasks(tasks: RunTasks, context: ExecutionContext): Promise<void> {
    let start = 0;
    const batchSize = context.policy.batchSize ?? Math.max(1, tasks.length);
    const reason = await this.#withStops(context, async (settings, signal) => {
      for (; start < tasks.length && !signal.aborted; start += batchSize) {
        const end = Math.min(tasks.length, start + batchSize);
        await new TaskPool(settings, rangeFeed(tasks, start, end), signal).run();
        if (end < tasks.length) await this.#pause(context, signal);
      }
    });
    // Batches never admitted: reported, not dropped.
    const now = this.clock.now();
    for (const task of tasks) {
      if (task === undefined) continue;
      cancelTask(task, reason, now);
      context.onTaskEnd(task);
    }
  }

  protected override async executeFeed(feed: StreamFeed, context: ExecutionContext): Promise<void> {
    const { batchSize } = context.policy;
    const reason = await this.#withStops(context, async (settings, signal) => {
      while (!feed.ended() && !signal.aborted) {
        const batch = batchSize === undefined ? feed : limitFeed(feed, batchSize);
        await new TaskPool(settings, batch, signal).run();
        if (!feed.ended()) await this.#pause(context, signal);
      }
    });
    // Tasks never admitted: taken, reported cancelled, not dropped.
    for (let task = feed.take(this.clock.now()); task !== undefined;) {
      cancelTask(task, reason, this.clock.now());
      context.onTaskEnd(task);
      task = feed.take(this.clock.now());
    }
  }

  /** The pause between batches, cut short by the run's end. */
  async #pause(context: ExecutionContext, signal: AbortSignal): Promise<void> {
    const { backoffBetweenBatches } = context.policy;
    if (backoffBetweenBatches <= 0) return;
    await sleep(this.clock, backoffBetweenBatches * 1000, { signal }).catch(() => undefined);
  }

  /**
   * Runs `pools` under the stop conditions (a failure count, a run timeout); gives why the run
   * stopped (the caller's abort or a stop condition), undefined when it did not.
   */
  async #withStops(
    context: ExecutionContext,
    pools: (settings: PoolSettings, signal: AbortSignal) => Promise<void>,
  ): Promise<unknown> {
    const { policy } = context;
    const { maxFailures, timeout } = policy.stopConditions;
    const stop = new AbortController();
    const signal = AbortSignal.any([context.signal, stop.signal]);
    let failures = 0;
    const onTaskEnd = (task: Task): void => {
      const status = task.status;
      if (status === 'failed' || status === 'timeout' || status === 'error') failures += 1;
      context.onTaskEnd(task);
      if (maxFailures !== undefined && failures >= maxFailures && !stop.signal.aborted) {
        stop.abort(new CancelledError('stop: max_failures', 'E_STOPPED'));
      }
    };
    const timer =
      timeout === undefined
        ? undefined
        : this.clock.setTimer(() => {
            stop.abort(new CancelledError('stop: timeout', 'E_STOPPED'));
          }, timeout * 1000);
    try {
      await pools(this.poolSettings(policy, onTaskEnd), signal);
    } finally {
      if (timer !== undefined) this.clock.clearTimer(timer);
    }
    return signal.reason;
  }
}
