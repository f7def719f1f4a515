/**
 * How many attempts may be in flight, as the target allows: lowered when it refuses a call for
 * its limits, raised back after successes. {@link AdaptiveConcurrency} keeps it in process; a cap
 * shared by several processes implements the same calls.
 */
export interface ConcurrencyLimit {
  /** Attempts in flight at most, now. */
  readonly limit: number;
  /** The target refused a call for its limits; `stated` is the cap it announced, if any. */
  onRateLimited(stated?: number): void;
  /** An attempt succeeded. */
  onSuccess(): void;
}
