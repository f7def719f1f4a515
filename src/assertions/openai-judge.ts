import OpenAI from 'openai';
import { classifyOpenAiFailure } from '../core/openai-failure.js';
import { asObject } from '../core/json-value.js';
import type { Judge, Judgement } from './assertion.js';
import { JudgeError } from './judge-error.js';

/** Where the judge is and how to call it. */
export interface OpenAiJudgeOptions {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string | undefined;
  /** @default 0 */
  readonly temperature?: number;
  /** One call's limit. @default 60000 */
  readonly timeoutMs?: number;
  /** For tests and proxies. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const INSTRUCTIONS = [
  'You grade the output of an AI application against a rubric.',
  'Read the rubric and the output, then answer with one JSON object and nothing else:',
  '{"score": <a number from 0 to 1, how well the output meets the rubric>, "reason": "<one or two sentences why>"}',
].join('\n');

/** Reads a verdict out of the model's text: the first JSON object in it, with a 0..1 score. */
export function parseVerdict(text: string): { readonly score: number; readonly reason: string } {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let object: Readonly<Record<string, unknown>> | undefined;
  try {
    object =
      start === -1 || end < start ? undefined : asObject(JSON.parse(text.slice(start, end + 1)));
  } catch {
    object = undefined;
  }
  const score = object?.score;
  if (object === undefined || typeof score !== 'number' || !(score >= 0 && score <= 1)) {
    throw new JudgeError(
      'E_JUDGE_BAD_ANSWER',
      `the judge did not answer {"score": 0..1, "reason": …}: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  return { score, reason: typeof object.reason === 'string' ? object.reason : '' };
}

/**
 * A judge behind any OpenAI-compatible chat completions endpoint, through the `openai` package.
 * One call per verdict, no retries of its own: whoever runs it retries (the executor does).
 */
export class OpenAiJudge implements Judge {
  readonly model: string;
  readonly #client: OpenAI;
  readonly #temperature: number;

  constructor(options: OpenAiJudgeOptions) {
    this.model = options.model;
    this.#temperature = options.temperature ?? 0;
    this.#client = new OpenAI({
      baseURL: options.baseUrl,
      // Local endpoints need none; the package insists on one.
      apiKey: options.apiKey ?? 'none',
      maxRetries: 0,
      timeout: options.timeoutMs ?? 60_000,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** @throws JudgeError (`E_JUDGE_HTTP`, `E_JUDGE_RATE_LIMITED`, `E_JUDGE_UNREACHABLE`, `E_JUDGE_BAD_ANSWER`) */
  async judge(
    rubric: string,
    output: string,
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<Judgement> {
    let text: string;
    let model: string;
    try {
      const completion = await this.#client.chat.completions.create(
        {
          model: this.model,
          temperature: this.#temperature,
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: `Rubric:\n${rubric}\n\nOutput:\n${output}` },
          ],
        },
        options.signal === undefined ? {} : { signal: options.signal },
      );
      text = completion.choices[0]?.message.content ?? '';
      model = completion.model || this.model;
    } catch (error) {
      throw toJudgeError(error, options.signal);
    }
    return { ...parseVerdict(text), model, cached: false };
  }
}

function toJudgeError(error: unknown, signal: AbortSignal | undefined): unknown {
  const failure = classifyOpenAiFailure(error, signal);
  switch (failure.kind) {
    case 'aborted':
      return failure.reason;
    case 'unreachable':
      return new JudgeError('E_JUDGE_UNREACHABLE', `the judge is unreachable: ${failure.message}`, {
        cause: error,
      });
    case 'rate-limited':
      return new JudgeError('E_JUDGE_RATE_LIMITED', `the judge answered 429: ${failure.message}`, {
        cause: error,
        status: 429,
        retryAfterMs: failure.retryAfterMs,
      });
    case 'http':
      return new JudgeError(
        'E_JUDGE_HTTP',
        `the judge answered ${String(failure.status ?? 'an error')}: ${failure.message}`,
        { cause: error, status: failure.status, retryable: failure.retryable },
      );
    case 'other':
      return error;
  }
}
