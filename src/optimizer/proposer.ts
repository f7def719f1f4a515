import OpenAI from 'openai';
import { classifyOpenAiFailure } from '../core/openai-failure.js';
import { AutoOptError } from '../core/autoopt-error.js';

/** One message of a proposer conversation. */
export interface ProposerMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** What a proposer answered to one call. */
export interface ProposerReply {
  readonly content: string;
  /** `stop`, `length` (cut short), … */
  readonly finishReason: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Writes new prompt texts: one chat call per proposal. */
export interface Proposer {
  readonly model: string;
  ask(
    messages: readonly ProposerMessage[],
    options?: { readonly signal?: AbortSignal | undefined },
  ): Promise<ProposerReply>;
}

/** The proposer's endpoint failed: unreachable, rate-limited, an HTTP error, or all retries. */
export class ProposerError extends AutoOptError {
  /** `false` when asking again cannot help (a bad key, an unknown model). */
  readonly retryable: boolean;
  readonly rateLimited: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    code:
      | 'E_PROPOSER_HTTP'
      | 'E_PROPOSER_RATE_LIMITED'
      | 'E_PROPOSER_UNREACHABLE'
      | 'E_PROPOSER_FAILED',
    message: string,
    options: {
      readonly cause?: unknown;
      readonly retryable?: boolean;
      readonly retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.retryable = options.retryable ?? true;
    this.rateLimited = code === 'E_PROPOSER_RATE_LIMITED';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A proposer behind any OpenAI-compatible chat completions endpoint, through the `openai`
 * package. One call per ask, no retries of its own: the {@link ProposerRunner} retries.
 */
export class OpenAiProposer implements Proposer {
  readonly model: string;
  readonly #client: OpenAI;
  readonly #temperature: number;

  constructor(options: {
    readonly baseUrl: string;
    readonly model: string;
    readonly apiKey?: string | undefined;
    readonly temperature: number;
    readonly timeoutMs: number;
  }) {
    this.model = options.model;
    this.#temperature = options.temperature;
    this.#client = new OpenAI({
      baseURL: options.baseUrl,
      // Local endpoints need none; the package insists on one.
      apiKey: options.apiKey ?? 'none',
      maxRetries: 0,
      timeout: options.timeoutMs,
    });
  }

  /** @throws ProposerError (`E_PROPOSER_HTTP`, `E_PROPOSER_RATE_LIMITED`, `E_PROPOSER_UNREACHABLE`) */
  async ask(
    messages: readonly ProposerMessage[],
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<ProposerReply> {
    try {
      const completion = await this.#client.chat.completions.create(
        { model: this.model, temperature: this.#temperature, messages: [...messages] },
        options.signal === undefined ? {} : { signal: options.signal },
      );
      const choice = completion.choices[0];
      return {
        content: choice?.message.content ?? '',
        finishReason: choice?.finish_reason ?? null,
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
      };
    } catch (error) {
      throw toProposerError(error, options.signal);
    }
  }
}

function toProposerError(error: unknown, signal: AbortSignal | undefined): unknown {
  const failure = classifyOpenAiFailure(error, signal);
  switch (failure.kind) {
    case 'aborted':
      return failure.reason;
    case 'unreachable':
      return new ProposerError(
        'E_PROPOSER_UNREACHABLE',
        `the proposer is unreachable: ${failure.message}`,
        { cause: error },
      );
    case 'rate-limited':
      return new ProposerError(
        'E_PROPOSER_RATE_LIMITED',
        `the proposer answered 429: ${failure.message}`,
        { cause: error, retryAfterMs: failure.retryAfterMs },
      );
    case 'http':
      return new ProposerError(
        'E_PROPOSER_HTTP',
        `the proposer answered ${String(failure.status ?? 'an error')}: ${failure.message}`,
        { cause: error, retryable: failure.retryable },
      );
    case 'other':
      return error;
  }
}
