import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Judge, Judgement } from '../assertions/assertion.js';
import { JudgeError } from '../assertions/judge-error.js';
import type { JudgeConfig } from '../config/config-schema.js';
import type { Clock } from '../core/clock.js';
import { ConcurrentExecutor } from '../executor/concurrent-executor.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';
import type { RateLimit } from '../executor/rate-limit.js';
import { RateLimiter } from '../executor/rate-limiter.js';
import type { RunStore } from '../store/run-store.js';

/** A judge that answers one call at a time, with the model it asks. */
export interface ModelJudge extends Judge {
  readonly model: string;
}

/** How to run a judge. */
export interface JudgeRunnerOptions {
  readonly judge: ModelJudge;
  readonly config: JudgeConfig;
  /** Where verdicts are cached; without it, nothing is. */
  readonly store?: RunStore | undefined;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** A rate limit to take the calls' tokens from, in place of one made from the config. */
  readonly rateLimiter?: RateLimit | undefined;
}

/** What a run of the judge spent. */
export interface JudgeUsage {
  readonly calls: number;
  readonly cached: number;
  readonly failed: number;
}

/**
 * Runs a judge through the executor: every call retried with backoff, limited to the
 * configured rate and concurrency, timed out; each verdict cached in the run store by (rubric,
 * output, model), so grading the same output again costs nothing.
 */
export class JudgeRunner implements Judge {
  readonly #judge: ModelJudge;
  readonly #store: RunStore | undefined;
  readonly #executor: ConcurrentExecutor;
  readonly #policy: ExecutionPolicyInput;
  readonly #limit: LimitFunction;
  readonly #inFlight = new Map<string, Promise<Judgement>>();
  #calls = 0;
  #cached = 0;
  #failed = 0;

  constructor(options: JudgeRunnerOptions) {
    const { config } = options;
    this.#judge = options.judge;
    this.#store = options.store;
    this.#limit = pLimit(config.concurrency);
    this.#policy = {
      concurrency: 1,
      retry: {
        maxAttempts: config.max_attempts,
        backoff: config.backoff,
        multiplier: 2,
        maxBackoff: 30,
        jitter: 0.2,
      },
      timeoutPerTask: config.timeout,
    };
    this.#executor = new ConcurrentExecutor({
      taskFn: async (task, signal) => {
        const { rubric, output } = task.parameters as { rubric: string; output: string };
        this.#calls += 1;
        return this.#judge.judge(rubric, output, { signal });
      },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.rateLimiter !== undefined
        ? { rateLimiter: options.rateLimiter }
        : config.rate_limit === undefined
          ? {}
          : {
              rateLimiter: new RateLimiter({
                perMinute: config.rate_limit.per_minute,
                burst: config.rate_limit.burst,
                ...(options.clock === undefined ? {} : { clock: options.clock }),
              }),
            }),
    });
  }

  /** Calls made, verdicts served from the cache, and calls that failed for good. */
  get usage(): JudgeUsage {
    return { calls: this.#calls, cached: this.#cached, failed: this.#failed };
  }

  /** @throws JudgeError once the retries are spent; the signal's reason when aborted. */
  async judge(
    rubric: string,
    output: string,
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<Judgement> {
    const key = createHash('sha256')
      .update(JSON.stringify([rubric, output, this.#judge.model]))
      .digest('hex');
    const stored = this.#store?.cachedJudgement(key);
    if (stored !== undefined) {
      this.#cached += 1;
      return { ...stored, cached: true };
    }
    // The same question asked twice at once is asked once.
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#limit(() => this.#ask(key, rubric, output, options.signal));
      this.#inFlight.set(key, pending);
      void pending.finally(() => this.#inFlight.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  async #ask(
    key: string,
    rubric: string,
    output: string,
    signal: AbortSignal | undefined,
  ): Promise<Judgement> {
    signal?.throwIfAborted();
    const run = await this.#executor.runManifest(
      {
        workflowId: 'judge',
        cases: [{ id: key, parameters: { rubric, output } }],
        policy: this.#policy,
      },
      signal === undefined ? {} : { signal },
    );
    const result = run.taskResults[0];
    if (result?.status === 'succeeded') {
      const verdict = result.output as Judgement;
      this.#store?.cacheJudgement(key, {
        model: verdict.model,
        score: verdict.score,
        reason: verdict.reason,
      });
      return verdict;
    }
    signal?.throwIfAborted();
    this.#failed += 1;
    throw new JudgeError(
      'E_JUDGE_FAILED',
      `the judge failed after ${String(result?.attempts ?? 0)} attempt(s): ${result?.error?.code ?? 'E_JUDGE_FAILED'}: ${result?.error?.message ?? 'no answer'}`,
      { retryable: false },
    );
  }
}
