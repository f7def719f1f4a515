import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

/** How a call through the `openai` package failed, for its caller to raise its own typed error. */
export type OpenAiFailure =
  /** The caller's signal aborted the call: rethrow its reason. */
  | { readonly kind: 'aborted'; readonly reason: unknown }
  | { readonly kind: 'unreachable'; readonly message: string }
  | {
      readonly kind: 'rate-limited';
      readonly message: string;
      readonly retryAfterMs: number | undefined;
    }
  /** Another HTTP answer; `retryable: false` for a 4xx other than 408/409 (a bad key, say). */
  | {
      readonly kind: 'http';
      readonly message: string;
      readonly status: number | undefined;
      readonly retryable: boolean;
    }
  /** Not the package's error: pass it on as it is. */
  | { readonly kind: 'other' };

/** The wait an answer asked for: `retry-after-ms`, else `retry-after` in seconds. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms') ?? undefined;
  if (ms !== undefined && Number.isFinite(Number(ms))) return Number(ms);
  const seconds = headers?.get('retry-after') ?? undefined;
  return seconds !== undefined && Number.isFinite(Number(seconds))
    ? Number(seconds) * 1000
    : undefined;
}

/** Classifies what a call through the `openai` package threw. */
export function classifyOpenAiFailure(
  error: unknown,
  signal: AbortSignal | undefined,
): OpenAiFailure {
  if (error instanceof APIUserAbortError)
    return { kind: 'aborted', reason: signal?.reason ?? error };
  if (error instanceof APIConnectionError) return { kind: 'unreachable', message: error.message };
  if (!(error instanceof APIError)) return { kind: 'other' };
  const apiError = error as APIError;
  const { status } = apiError;
  if (status === 429)
    return {
      kind: 'rate-limited',
      message: apiError.message,
      retryAfterMs: retryAfterMs(apiError.headers),
    };
  const retryable = status === undefined || status >= 500 || status === 408 || status === 409;
  return { kind: 'http', message: apiError.message, status, retryable };
}
