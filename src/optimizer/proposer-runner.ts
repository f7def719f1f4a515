import type { Clock } from '../core/clock.js';
import { ConcurrentExecutor } from '../executor/concurrent-executor.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';
import {
  ProposerError,
  type Proposer,
  type ProposerMessage,
  type ProposerReply,
} from './proposer.js';

/** How the proposer's calls are retried and timed out. */
export interface ProposerPolicy {
  readonly maxAttempts: number;
  /** Seconds before the first retry; doubled each time. */
  readonly backoff: number;
  /** Seconds one call may take. */
  readonly timeout: number;
  /** Price per million tokens, input and output. */
  readonly price?: { readonly input: number; readonly output: number } | undefined;
}

/** A reply, with what it cost. */
export interface PricedReply extends ProposerReply {
  readonly cost: number;
}

/**
 * Runs a proposer's calls through the executor: a 429, a 5xx, a timeout or a dropped connection
 * retried with backoff (a 429's Retry-After honoured), a bad key or model failed at once; each
 * reply priced from its tokens.
 */
export class ProposerRunner {
  readonly model: string;
  readonly #executor: ConcurrentExecutor;
  readonly #policy: ExecutionPolicyInput;
  readonly #price: ProposerPolicy['price'];

  constructor(
    proposer: Proposer,
    policy: ProposerPolicy,
    options: { readonly clock?: Clock; readonly random?: () => number } = {},
  ) {
    this.model = proposer.model;
    this.#price = policy.price;
    this.#policy = {
      concurrency: 1,
      retry: {
        maxAttempts: policy.maxAttempts,
        backoff: policy.backoff,
        multiplier: 2,
        maxBackoff: 60,
        jitter: 0.2,
      },
      timeoutPerTask: policy.timeout,
    };
    this.#executor = new ConcurrentExecutor({
      taskFn: (task, signal) =>
        proposer.ask(task.parameters.messages as readonly ProposerMessage[], { signal }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  /**
   * One proposal call, retried as its failure allows.
   * @throws ProposerError (`E_PROPOSER_FAILED`) once the retries are spent, saying why; the
   * signal's reason when aborted.
   */
  async ask(messages: readonly ProposerMessage[], signal?: AbortSignal): Promise<PricedReply> {
    signal?.throwIfAborted();
    const run = await this.#executor.runManifest(
      {
        workflowId: 'proposer',
        cases: [{ id: 'proposal', parameters: { messages } }],
        policy: this.#policy,
      },
      signal === undefined ? {} : { signal },
    );
    const result = run.taskResults[0];
    if (result?.status === 'succeeded') {
      const reply = result.output as ProposerReply;
      const price = this.#price;
      const cost =
        price === undefined
          ? 0
          : (reply.promptTokens * price.input + reply.completionTokens * price.output) / 1e6;
      return { ...reply, cost };
    }
    signal?.throwIfAborted();
    throw new ProposerError(
      'E_PROPOSER_FAILED',
      `the proposer failed after ${String(result?.attempts ?? 0)} attempt(s): ${result?.error?.code ?? 'E_PROPOSER_FAILED'}: ${result?.error?.message ?? 'no answer'}`,
      { retryable: false },
    );
  }
}
