/**
 * What a failing call may tell a job runner about how to go on. Any thrown value may carry these
 * fields; the executor reads them without knowing the thrower's class, so a client (such as the
 * Dify client) can steer retries without importing the executor.
 */
export interface RetryHints {
  /** `false`: retrying cannot help (a 4xx answer, say). */
  readonly retryable?: boolean | undefined;
  /** `true`: the target refused the call because of its rate or concurrency limit. */
  readonly rateLimited?: boolean | undefined;
  /** How long the target asked us to wait before calling again. */
  readonly retryAfterMs?: number | undefined;
  /** How many concurrent calls the target says it accepts. */
  readonly concurrencyLimit?: number | undefined;
}

function readNumber(source: object, key: keyof RetryHints): number | undefined {
  const value: unknown = Reflect.get(source, key);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads the retry hints a thrown value carries; anything malformed is ignored.
 */
export function readRetryHints(error: unknown): RetryHints {
  if (typeof error !== 'object' || error === null) return {};
  const retryable: unknown = Reflect.get(error, 'retryable');
  const rateLimited: unknown = Reflect.get(error, 'rateLimited');
  const retryAfterMs = readNumber(error, 'retryAfterMs');
  const concurrencyLimit = readNumber(error, 'concurrencyLimit');
  return {
    ...(typeof retryable === 'boolean' ? { retryable } : {}),
    ...(rateLimited === true ? { rateLimited } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(concurrencyLimit === undefined || concurrencyLimit < 1
      ? {}
      : { concurrencyLimit: Math.floor(concurrencyLimit) }),
  };
}
