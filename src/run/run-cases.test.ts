import { describe, expect, it } from 'vitest';
import { gradingSchema } from '../assertions/assertion-schema.js';
import { CaseGrader } from '../assertions/case-grader.js';
import { DifyError } from '../dify/dify-error.js';
import type { DifyRunResult } from '../dify/dify-run-result.js';
import { CancellationToken } from '../executor/cancellation-token.js';
import { RateLimiter } from '../executor/rate-limiter.js';
import { attemptCase } from './attempt-case.js';
import type { CaseTarget } from './case-target.js';
import { debugTarget, draftRunTarget } from './console-targets.js';
import { InFlightCounter } from './in-flight-counter.js';
import type { PlannedCase } from './planned-case.js';
import { memorySink } from './result-sink.js';
import { runCases } from './run-cases.js';

const grading = gradingSchema.parse({});

function planned(n: number, variant?: string): PlannedCase[] {
  return Array.from({ length: n }, (_, i) => ({
    caseId: `wf:${String(i + 1)}`,
    position: i,
    workflowId: 'wf',
    variant,
    caseIndex: i + 1,
    repeatIndex: 0,
    inputs: { q: `q${String(i + 1)}` },
    query: i % 2 === 0 ? `query ${String(i + 1)}` : undefined,
    reference: undefined,
  }));
}

function run(status: DifyRunResult['status'], answer = 'ok'): DifyRunResult {
  return {
    mode: 'workflow',
    taskId: 't',
    workflowRunId: 'r',
    messageId: undefined,
    conversationId: undefined,
    status,
    outputs: { answer },
    answer: undefined,
    error: status === 'succeeded' ? undefined : 'it broke',
    errorCode: undefined,
    elapsedMs: 1,
    totalTokens: 2,
    totalPrice: 0.1,
    currency: 'USD',
    totalSteps: 1,
    nodes: [],
    recovered: false,
    malformedFrames: 0,
  };
}

function target(
  answer: (c: PlannedCase) => Promise<DifyRunResult>,
  extra: Partial<CaseTarget> = {},
): CaseTarget {
  return { label: 'variant v of wf on sandbox app s', run: (c) => answer(c), ...extra };
}

describe('runCases', () => {
  it('runs each case on its target, records each as it ends, the variant saying where it ran', async () => {
    const sink = memorySink();
    const settling = new InFlightCounter();
    const seen: string[] = [];
    await runCases(
      planned(3, 'v'),
      () => ({
        target: target((c) => {
          seen.push(c.caseId);
          return Promise.resolve(run(c.caseId === 'wf:2' ? 'failed' : 'succeeded'));
        }),
        grader: undefined,
        judge: undefined,
        user: 'u',
      }),
      sink,
      { runId: 'r', policy: { concurrency: 1 }, token: new CancellationToken(), grading, settling },
    );
    expect(seen).toEqual(['wf:1', 'wf:2', 'wf:3']);
    expect(sink.records.map((r) => [r.caseId, r.status, r.variant, r.errorMessage])).toEqual([
      ['wf:1', 'succeeded', 'v', null],
      ['wf:2', 'failed', 'v', 'variant v of wf on sandbox app s: Dify run failed: it broke'],
      ['wf:3', 'succeeded', 'v', null],
    ]);
    expect(sink.records[1]?.difyStatus).toBe('failed');
    expect(settling.count).toBe(0);
  });

  it('leaves the message as it is without a variant, and does nothing for no case', async () => {
    const sink = memorySink();
    const context = {
      target: target(() => Promise.resolve(run('failed'))),
      grader: undefined,
      judge: undefined,
      user: 'u',
    };
    const options = {
      runId: 'r',
      policy: { concurrency: 2 },
      token: new CancellationToken(),
      grading,
    };
    expect(await runCases([], () => context, sink, options)).toEqual({ stopReason: undefined });
    await runCases(planned(1), () => context, sink, options);
    expect(sink.records[0]?.errorMessage).toBe('Dify run failed: it broke');
  });

  it("stops the run on the caller's stop reason first, then the target's, after recording the case", async () => {
    for (const [stopOn, targetReason, expected] of [
      [() => 'quota spent', () => 'sandbox gone', 'quota spent'],
      [() => undefined, () => 'sandbox gone', 'sandbox gone'],
    ] as const) {
      const sink = memorySink();
      const token = new CancellationToken();
      const outcome = await runCases(
        planned(4),
        () => ({
          target: target(
            () =>
              new Promise((_, reject) =>
                setTimeout(() => {
                  reject(new Error('no'));
                }, 5),
              ),
            { stopReason: targetReason },
          ),
          grader: undefined,
          judge: undefined,
          user: 'u',
        }),
        sink,
        {
          runId: 'r',
          policy: { concurrency: 1, retry: { maxAttempts: 1 } },
          token,
          grading,
          stopOn,
        },
      );
      expect(outcome.stopReason).toBe(expected);
      expect(token.reason).toBe(`stopped: ${expected}`);
      expect(sink.records.map((r) => r.status)).toEqual([
        'failed',
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
    }
  });

  it('takes a token of the shared limit for every attempt', async () => {
    const limiter = new RateLimiter({ perMinute: 1, burst: 5 });
    await runCases(
      planned(3),
      () => ({
        target: target(() => Promise.resolve(run('succeeded'))),
        grader: undefined,
        judge: undefined,
        user: 'u',
      }),
      memorySink(),
      {
        runId: 'r',
        policy: { concurrency: 3 },
        token: new CancellationToken(),
        grading,
        rateLimiter: limiter,
      },
    );
    expect(Math.round(limiter.availableTokens)).toBe(2);
  });
});

describe('attemptCase', () => {
  it('grades a success with the latency it took, and gives its tokens and cost', async () => {
    const grader = new CaseGrader([{ type: 'latency', value: 60_000, weight: 1, not: false }], {});
    const output = await attemptCase(
      planned(1)[0] as PlannedCase,
      {
        target: target(() => Promise.resolve(run('succeeded'))),
        grader,
        judge: undefined,
        user: 'u',
      },
      { dify: undefined },
      new AbortController().signal,
    );
    expect(output).toMatchObject({ tokens: 2, cost: 0.1, verdict: { passed: true } });
    expect(output.verdict?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(output.verdict?.latencyMs).toBeLessThan(60_000);
  });

  it("refuses a run Dify did not succeed, with a code from Dify's status, keeping the run", async () => {
    const trace = { dify: undefined as DifyRunResult | undefined };
    const error = await attemptCase(
      planned(1)[0] as PlannedCase,
      {
        target: target(() => Promise.resolve(run('partial-succeeded'))),
        grader: undefined,
        judge: undefined,
        user: 'u',
      },
      trace,
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'E_DIFY_RUN_PARTIAL_SUCCEEDED',
      message: 'Dify run partial-succeeded: it broke',
    });
    expect(trace.dify?.status).toBe('partial-succeeded');
  });

  it('keeps the run in the trace while a judge grades, and lets it go after', async () => {
    const trace = { dify: undefined as DifyRunResult | undefined };
    const seen: (DifyRunResult | undefined)[] = [];
    const grader = new CaseGrader(
      [{ type: 'llm_judge', value: 'is it fine?', weight: 1, not: false }],
      {},
    );
    await attemptCase(
      planned(1)[0] as PlannedCase,
      {
        target: target(() => Promise.resolve(run('succeeded'))),
        grader,
        judge: {
          judge: () => {
            seen.push(trace.dify);
            return Promise.resolve({ score: 1, reason: 'fine', model: 'm', cached: false });
          },
        },
        user: 'u',
      },
      trace,
      new AbortController().signal,
    );
    expect(seen[0]?.status).toBe('succeeded');
    expect(trace.dify).toBeUndefined();
  });
});

describe('console targets', () => {
  it("stops the run when a draft run's sandbox is gone (404), and only then", () => {
    const t = draftRunTarget({} as never, 's', 'workflow', 'label', {
      gone: 'the sandbox is gone',
    });
    const dify = (status: number) =>
      new DifyError('E_DIFY_X', 'x', {
        context: { endpoint: 'POST /x' },
        status,
        retryable: false,
      });
    expect(t.stopReason?.(dify(404))).toBe('the sandbox is gone');
    expect(t.stopReason?.(dify(500))).toBeUndefined();
    expect(t.stopReason?.(new Error('404'))).toBeUndefined();
  });

  it('sends the inputs and, when there is one, the query', async () => {
    const calls: unknown[] = [];
    const console = {
      runDraft: (...args: unknown[]) => {
        calls.push(args.slice(0, 3));
        return Promise.resolve(run('succeeded'));
      },
      runDebug: (...args: unknown[]) => {
        calls.push(args.slice(0, 3));
        return Promise.resolve(run('succeeded'));
      },
    } as never;
    const [withQuery, without] = planned(2);
    const signal = new AbortController().signal;
    const draft = draftRunTarget(console, 's', 'advanced-chat', 'l', { gone: 'g' });
    await draft.run(withQuery as PlannedCase, { user: 'u', signal });
    await draft.run(without as PlannedCase, { user: 'u', signal });
    const debug = debugTarget(console, 'a', 'chat', { pre_prompt: 'x' }, 'l');
    await debug.run(withQuery as PlannedCase, { user: 'u', signal });
    expect(calls).toEqual([
      ['s', 'advanced-chat', { inputs: { q: 'q1' }, query: 'query 1' }],
      ['s', 'advanced-chat', { inputs: { q: 'q2' } }],
      ['a', 'chat', { inputs: { q: 'q1' }, modelConfig: { pre_prompt: 'x' }, query: 'query 1' }],
    ]);
    expect(debug.label).toBe('l');
    expect(debug.stopReason).toBeUndefined();
  });
});
