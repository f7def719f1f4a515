import { AutoOptError, type AutoOptErrorOptions } from '../core/autoopt-error.js';
import type { RetryHints } from '../core/retry-hints.js';

/** Where a Dify call went: for error messages, never holding a secret. */
export interface DifyCallContext {
  /** `POST /workflows/run` and the like. */
  readonly endpoint: string;
  /** The app's name or id, as the caller knows it. */
  readonly app?: string | undefined;
}

/**
 * A Dify call failed. `code` is ours (`E_DIFY_…`), `difyCode` Dify's own; the retry hints tell
 * a job runner what to do, and `fatal` means the whole run should stop (a revoked key, a spent
 * quota).
 */
export class DifyError extends AutoOptError implements RetryHints {
  readonly status: number | undefined;
  readonly difyCode: string | undefined;
  readonly endpoint: string;
  readonly app: string | undefined;
  readonly retryable: boolean;
  readonly rateLimited: boolean;
  readonly retryAfterMs: number | undefined;
  readonly concurrencyLimit: number | undefined;
  readonly fatal: boolean;
  /** Extra detail Dify sent, such as the bad `params` of an `invalid_param`. */
  readonly details: unknown;

  constructor(
    code: `E_DIFY_${string}`,
    message: string,
    fields: {
      readonly context: DifyCallContext;
      readonly status?: number | undefined;
      readonly difyCode?: string | undefined;
      readonly retryable: boolean;
      readonly rateLimited?: boolean;
      readonly retryAfterMs?: number | undefined;
      readonly concurrencyLimit?: number | undefined;
      readonly fatal?: boolean;
      readonly details?: unknown;
    },
    options: AutoOptErrorOptions = {},
  ) {
    const where = fields.context.app === undefined ? '' : ` (app ${fields.context.app})`;
    super(code, `${fields.context.endpoint}${where}: ${message}`, options);
    this.status = fields.status;
    this.difyCode = fields.difyCode;
    this.endpoint = fields.context.endpoint;
    this.app = fields.context.app;
    this.retryable = fields.retryable;
    this.rateLimited = fields.rateLimited ?? false;
    this.retryAfterMs = fields.retryAfterMs;
    this.concurrencyLimit = fields.concurrencyLimit;
    this.fatal = fields.fatal ?? false;
    this.details = fields.details;
  }
}

interface ErrorRule {
  readonly code: `E_DIFY_${string}`;
  readonly retryable: boolean;
  readonly fatal?: boolean;
}

// Dify's own codes that decide more than the status does (shared/spec/dify-api.md).
const BY_DIFY_CODE: Readonly<Record<string, ErrorRule>> = {
  invalid_param: { code: 'E_DIFY_INVALID_PARAM', retryable: false },
  provider_quota_exceeded: { code: 'E_DIFY_QUOTA_EXCEEDED', retryable: false, fatal: true },
  completion_request_error: { code: 'E_DIFY_MODEL_ERROR', retryable: true },
  workflow_request_error: { code: 'E_DIFY_MODEL_ERROR', retryable: true },
  app_unavailable: { code: 'E_DIFY_APP_SETUP', retryable: false },
  not_workflow_app: { code: 'E_DIFY_WRONG_APP_MODE', retryable: false },
  not_chat_app: { code: 'E_DIFY_WRONG_APP_MODE', retryable: false },
  provider_not_initialize: { code: 'E_DIFY_APP_SETUP', retryable: false },
  model_currently_not_support: { code: 'E_DIFY_APP_SETUP', retryable: false },
  agent_not_published: { code: 'E_DIFY_APP_SETUP', retryable: false },
  draft_workflow_not_sync: { code: 'E_DIFY_DRAFT_CONFLICT', retryable: false },
  too_many_requests: { code: 'E_DIFY_TOO_MANY_REQUESTS', retryable: true },
  rate_limit_error: { code: 'E_DIFY_RATE_LIMITED', retryable: true },
};

const BY_STATUS: Readonly<Record<number, ErrorRule>> = {
  400: { code: 'E_DIFY_BAD_REQUEST', retryable: false },
  401: { code: 'E_DIFY_UNAUTHORIZED', retryable: false, fatal: true },
  403: { code: 'E_DIFY_FORBIDDEN', retryable: false },
  404: { code: 'E_DIFY_NOT_FOUND', retryable: false },
  409: { code: 'E_DIFY_CONFLICT', retryable: false },
  413: { code: 'E_DIFY_FILE_REJECTED', retryable: false },
  415: { code: 'E_DIFY_FILE_REJECTED', retryable: false },
  429: { code: 'E_DIFY_RATE_LIMITED', retryable: true },
};

/** The concurrency cap a 429 `too_many_requests` states ("… allowed … is 10."), if any. */
export function parseConcurrencyLimit(message: string): number | undefined {
  const match = /allowed\b.*?\bis (\d+)\.?\s*$/i.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/** A `Retry-After` header (seconds or an HTTP date) in ms; none when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? Reflect.get(body, key) : undefined;
}

/**
 * Maps one Dify answer that is not a success to a typed error, by HTTP status and Dify `code`:
 * retryable or not, the concurrency cap a 429 states, a proxy's `Retry-After`, and whether the
 * whole run must stop.
 */
export function toDifyError(answer: {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter?: string | null;
  readonly context: DifyCallContext;
}): DifyError {
  const { status, body, context } = answer;
  const rawCode = field(body, 'code');
  const rawMessage = field(body, 'message');
  const difyCode = typeof rawCode === 'string' ? rawCode : undefined;
  const message =
    typeof rawMessage === 'string' && rawMessage !== '' ? rawMessage : `HTTP ${status}`;
  const rule: ErrorRule = (difyCode === undefined ? undefined : BY_DIFY_CODE[difyCode]) ??
    BY_STATUS[status] ?? { code: 'E_DIFY_SERVER', retryable: status >= 500 || status === 408 };
  const rateLimited = status === 429;
  // A daily plan cap ("… requests/day") does not pass by waiting a little: stop the run.
  const dailyCap = rateLimited && /\/\s*day|per day|daily/i.test(message);
  return new DifyError(rule.code, `${difyCode ?? `HTTP ${status}`}: ${message}`, {
    context,
    status,
    difyCode,
    retryable: rule.retryable && !dailyCap,
    rateLimited,
    retryAfterMs: parseRetryAfter(answer.retryAfter ?? null),
    concurrencyLimit: difyCode === 'too_many_requests' ? parseConcurrencyLimit(message) : undefined,
    fatal: (rule.fatal ?? false) || dailyCap,
    details: field(body, 'params'),
  });
}
