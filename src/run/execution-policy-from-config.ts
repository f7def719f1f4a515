import type { ExecutionConfig } from '../config/config-schema.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';

/** The executor's policy from the configuration's `execution` section (snake_case). */
export function executionPolicyFromConfig(
  execution: ExecutionConfig,
  overrides: { readonly concurrency?: number | undefined } = {},
): ExecutionPolicyInput {
  return {
    concurrency: overrides.concurrency ?? execution.concurrency,
    ...(execution.batch_size === undefined ? {} : { batchSize: execution.batch_size }),
    backoffBetweenBatches: execution.backoff_between_batches,
    ...(execution.rate_limit === undefined
      ? {}
      : {
          rateLimit: {
            perMinute: execution.rate_limit.per_minute,
            burst: execution.rate_limit.burst,
          },
        }),
    retry: {
      maxAttempts: execution.retry.max_attempts,
      backoff: execution.retry.backoff,
      multiplier: execution.retry.multiplier,
      maxBackoff: execution.retry.max_backoff,
      jitter: execution.retry.jitter,
    },
    timeoutPerTask: execution.timeout_per_task,
    stopConditions: {
      ...(execution.stop.max_failures === undefined
        ? {}
        : { maxFailures: execution.stop.max_failures }),
      ...(execution.stop.timeout === undefined ? {} : { timeout: execution.stop.timeout }),
    },
  };
}
