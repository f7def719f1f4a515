import { sleep } from '../core/clock.js';
import { cancelTask } from './cancel-task.js';
import { ConcurrentExecutor } from './concurrent-executor.js';
import type { ExecutionContext, RunTasks } from './executor-base.js';
import { CancelledError } from './executor-error.js';
import { TaskPool } from './task-pool.js';
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
    const settings = this.poolSettings(policy, onTaskEnd);
    const timer =
      timeout === undefined
        ? undefined
        : this.clock.setTimer(() => {
            stop.abort(new CancelledError('stop: timeout', 'E_STOPPED'));
          }, timeout * 1000);
    const batchSize = policy.batchSize ?? Math.max(1, tasks.length);
    try {
      for (let start = 0; start < tasks.length && !signal.aborted; start += batchSize) {
        const end = Math.min(tasks.length, start + batchSize);
        await new TaskPool(settings, tasks, { start, end }, signal).run();
        if (end < tasks.length && policy.backoffBetweenBatches > 0) {
          await sleep(this.clock, policy.backoffBetweenBatches * 1000, { signal }).catch(
            () => undefined,
          );
        }
      }
    } finally {
      if (timer !== undefined) this.clock.clearTimer(timer);
    }
    // Batches never admitted: reported, not dropped.
    const now = this.clock.now();
    for (const task of tasks) {
      if (task === undefined) continue;
      cancelTask(task, signal.reason, now);
      onTaskEnd(task);
    }
  }
}
