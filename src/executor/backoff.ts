import type { RetryPolicy } from './execution-policy.js';

/**
 * The wait before retry number `attempt` (1 for the wait after the first attempt), in ms:
 * `min(maxBackoff, backoff × multiplier^(attempt−1))`, shortened by up to `jitter` of itself at
 * random, so no wait exceeds `maxBackoff`.
 */
export function computeBackoffMs(
  retry: RetryPolicy,
  attempt: number,
  random: () => number,
): number {
  const baseSeconds = Math.min(retry.maxBackoff, retry.backoff * retry.multiplier ** (attempt - 1));
  return baseSeconds * 1000 * (1 - retry.jitter * random());
}
