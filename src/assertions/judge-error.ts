import { AutoOptError } from '../core/autoopt-error.js';

/** The judge's endpoint failed, or answered something that is not a verdict. */
export class JudgeError extends AutoOptError {
  /** `false` when asking again cannot help (a bad key, an unknown model). */
  readonly retryable: boolean;
  readonly rateLimited: boolean;
  readonly retryAfterMs: number | undefined;
  /** The endpoint's HTTP status, when it answered. */
  readonly status: number | undefined;

  constructor(
    code:
      | 'E_JUDGE_HTTP'
      | 'E_JUDGE_RATE_LIMITED'
      | 'E_JUDGE_UNREACHABLE'
      | 'E_JUDGE_BAD_ANSWER'
      | 'E_JUDGE_FAILED',
    message: string,
    options: {
      readonly cause?: unknown;
      readonly status?: number | undefined;
      readonly retryable?: boolean;
      readonly retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable ?? true;
    this.rateLimited = code === 'E_JUDGE_RATE_LIMITED';
    this.retryAfterMs = options.retryAfterMs;
  }
}
