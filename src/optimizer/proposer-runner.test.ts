import { describe, expect, it } from 'vitest';
import { ProposerError, type Proposer, type ProposerReply } from './proposer.js';
import { ProposerRunner } from './proposer-runner.js';

const REPLY: ProposerReply = {
  content: 'x',
  finishReason: 'stop',
  promptTokens: 1000,
  completionTokens: 500,
};

function scripted(...answers: (ProposerReply | Error | 'hang')[]): Proposer & { calls: number } {
  const proposer = {
    model: 'm',
    calls: 0,
    ask: (_messages: unknown, options: { signal?: AbortSignal | undefined } = {}) => {
      const answer = answers[proposer.calls] ?? REPLY;
      proposer.calls += 1;
      if (answer === 'hang')
        return new Promise<ProposerReply>((_, reject) => {
          options.signal?.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        });
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  return proposer;
}

describe('the proposer runner', () => {
  it('prices a reply from its tokens (nothing without a price)', async () => {
    const priced = new ProposerRunner(scripted(), {
      maxAttempts: 1,
      backoff: 0,
      timeout: 5,
      price: { input: 2, output: 10 },
    });
    expect((await priced.ask([])).cost).toBeCloseTo(0.007, 12);
    expect(
      (await new ProposerRunner(scripted(), { maxAttempts: 1, backoff: 0, timeout: 5 }).ask([]))
        .cost,
    ).toBe(0);
  });

  it('retries a rate limit, a 5xx and a timeout; fails a bad key at once', async () => {
    const limited = new ProposerError('E_PROPOSER_RATE_LIMITED', '429', { retryAfterMs: 0 });
    const flaky = scripted(limited, new ProposerError('E_PROPOSER_HTTP', '503'), 'hang');
    const runner = new ProposerRunner(flaky, { maxAttempts: 4, backoff: 0, timeout: 0.05 });
    expect((await runner.ask([])).content).toBe('x');
    expect(flaky.calls).toBe(4);
    const badKey = scripted(
      new ProposerError('E_PROPOSER_HTTP', 'the proposer answered 401', { retryable: false }),
    );
    const error = await new ProposerRunner(badKey, { maxAttempts: 4, backoff: 0, timeout: 5 })
      .ask([])
      .catch((e: unknown) => e);
    expect(badKey.calls).toBe(1);
    expect(error).toBeInstanceOf(ProposerError);
    expect(error).toMatchObject({
      code: 'E_PROPOSER_FAILED',
      retryable: false,
      message: 'the proposer failed after 1 attempt(s): E_PROPOSER_HTTP: the proposer answered 401',
    });
  });

  it('gives the abort reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      new ProposerRunner(scripted(), { maxAttempts: 1, backoff: 0, timeout: 5 }).ask(
        [],
        controller.signal,
      ),
    ).rejects.toThrow('stop');
  });

  it('waits its backoff on the clock it is given, and passes the signal to the endpoint', async () => {
    const timers: (() => void)[] = [];
    const clock = {
      now: () => 0,
      setTimer: (callback: () => void) => {
        timers.push(callback);
        setImmediate(callback);
        return {};
      },
      clearTimer: () => undefined,
    };
    const flaky = scripted(new ProposerError('E_PROPOSER_HTTP', '503'));
    // A 100 s backoff: only the given clock makes this end at once.
    const runner = new ProposerRunner(
      flaky,
      { maxAttempts: 2, backoff: 100, timeout: 1000 },
      { clock, random: () => 0.5 },
    );
    expect((await runner.ask([])).content).toBe('x');
    expect(timers.length).toBeGreaterThan(0);
    let seen: AbortSignal | undefined;
    const watching: Proposer = {
      model: 'm',
      ask: (_m, options = {}) => {
        seen = options.signal;
        return Promise.resolve(REPLY);
      },
    };
    await new ProposerRunner(watching, { maxAttempts: 1, backoff: 0, timeout: 5 }).ask(
      [],
      new AbortController().signal,
    );
    expect(seen).toBeInstanceOf(AbortSignal);
  });
});
