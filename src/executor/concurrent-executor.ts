import { AdaptiveConcurrency } from './adaptive-concurrency.js';
import type { ExecutionPolicy } from './execution-policy.js';
import { ExecutorBase, type ExecutionContext, type RunTasks } from './executor-base.js';
import { RateLimiter } from './rate-limiter.js';
import { TaskPool, rangeFeed, type PoolSettings, type StreamFeed } from './task-pool.js';
import type { Task } from './task.js';

/**
 * Runs tasks as one continuous pool with at most `concurrency` in flight (a slow task never holds
 * back a free slot): a rate-limit token per attempt, retries with backoff, enforced timeouts,
 * and a concurrency that halves when the target pushes back and recovers after successes.
 * Batches and stop conditions are the {@link TaskScheduler}'s.
 */
export class ConcurrentExecutor extends ExecutorBase {
  protected override async executeTasks(tasks: RunTasks, context: ExecutionContext): Promise<void> {
    const settings = this.poolSettings(context.policy, context.onTaskEnd);
    await new TaskPool(settings, rangeFeed(tasks, 0, tasks.length), context.signal).run();
  }

  protected override async executeFeed(feed: StreamFeed, context: ExecutionContext): Promise<void> {
    const settings = this.poolSettings(context.policy, context.onTaskEnd);
    await new TaskPool(settings, feed, context.signal).run();
  }

  /** The settings every pool of one run shares. */
  protected poolSettings(policy: ExecutionPolicy, onTaskEnd: (task: Task) => void): PoolSettings {
    const { rateLimit } = policy;
    return {
      taskFn: this.taskFn,
      clock: this.clock,
      random: this.random,
      retry: policy.retry,
      concurrency:
        this.concurrencyLimit?.(policy.concurrency) ?? new AdaptiveConcurrency(policy.concurrency),
      rateLimiter:
        this.sharedRateLimiter ??
        (rateLimit === undefined
          ? undefined
          : new RateLimiter({ ...rateLimit, clock: this.clock })),
      observer: this.observer,
      onTaskEnd,
      hold: { until: 0 },
    };
  }
}
