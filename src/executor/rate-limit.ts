/**
 * What the executor asks of a rate limit: a token per attempt, taken at once when there is one,
 * else waited for. {@link RateLimiter} is the in-process token bucket; a limit shared by several
 * processes (a Redis one) implements the same two calls.
 */
export interface RateLimit {
  /** Takes `count` tokens if they are there now; never waits. */
  tryAcquire(count?: number): boolean;
  /** Waits until `count` tokens are there and takes them; rejects when `signal` aborts. */
  acquire(count?: number, options?: { readonly signal?: AbortSignal | undefined }): Promise<void>;
}
