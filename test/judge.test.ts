// The llm_judge grader over real HTTP against a local OpenAI-compatible endpoint: verdicts,
// retries, errors, rate and concurrency limits, and the cache.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiJudge, parseVerdict } from '../src/assertions/openai-judge.js';
import type { JudgeConfig } from '../src/config/config-schema.js';
import { JudgeRunner } from '../src/run/judge-runner.js';
import { RunStore } from '../src/store/run-store.js';
import { FakeOpenAi } from './support/fake-openai.js';

let fake: FakeOpenAi;
const stores: RunStore[] = [];

beforeAll(async () => {
  fake = await FakeOpenAi.start();
});
afterAll(async () => {
  await fake.close();
  for (const store of stores) store.close();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.script.length = 0;
  fake.delayMs = 0;
  fake.maxInFlight = 0;
});

function settings(extra: Partial<JudgeConfig> = {}): JudgeConfig {
  return {
    base_url: fake.baseUrl,
    model: 'judge-1',
    api_key: 'sk-judge-secret',
    temperature: 0,
    concurrency: 4,
    max_attempts: 3,
    backoff: 0.01,
    timeout: 5,
    ...extra,
  };
}

function runner(extra: Partial<JudgeConfig> = {}, withStore = true): JudgeRunner {
  const config = settings(extra);
  const store = withStore
    ? RunStore.open(join(mkdtempSync(join(tmpdir(), 'judge-')), 'runs.db'))
    : undefined;
  if (store !== undefined) stores.push(store);
  return new JudgeRunner({
    judge: new OpenAiJudge({
      baseUrl: config.base_url,
      model: config.model,
      apiKey: config.api_key,
      timeoutMs: config.timeout * 1000,
    }),
    config,
    store,
  });
}

describe('OpenAiJudge', () => {
  it('asks the endpoint with the rubric, the output, the model and the key, and returns its verdict', async () => {
    const judge = new OpenAiJudge({
      baseUrl: fake.baseUrl,
      model: 'judge-1',
      apiKey: 'sk-judge-secret',
    });
    const verdict = await judge.judge('Mentions "Paris"', 'It is Paris.');
    expect(verdict).toEqual({
      score: 0.9,
      reason: 'mentions Paris',
      model: 'judge-1',
      cached: false,
    });
    expect(fake.requests[0]).toEqual({
      model: 'judge-1',
      authorization: 'Bearer sk-judge-secret',
      rubric: 'Mentions "Paris"',
      output: 'It is Paris.',
    });
  });

  it('maps errors to codes: 429 rate limited with its wait, 401 final, garbage a bad answer', async () => {
    const judge = new OpenAiJudge({ baseUrl: fake.baseUrl, model: 'm' });
    fake.script.push({ kind: 'http', status: 429, retryAfter: '2' });
    await expect(judge.judge('r', 'o')).rejects.toMatchObject({
      code: 'E_JUDGE_RATE_LIMITED',
      rateLimited: true,
      retryAfterMs: 2000,
    });
    fake.script.push({ kind: 'http', status: 401 });
    await expect(judge.judge('r', 'o')).rejects.toMatchObject({
      code: 'E_JUDGE_HTTP',
      status: 401,
      retryable: false,
    });
    fake.script.push({ kind: 'http', status: 503 });
    await expect(judge.judge('r', 'o')).rejects.toMatchObject({
      code: 'E_JUDGE_HTTP',
      retryable: true,
    });
    fake.script.push({ kind: 'text', text: 'I think it is fine' });
    await expect(judge.judge('r', 'o')).rejects.toMatchObject({ code: 'E_JUDGE_BAD_ANSWER' });
  });

  it('reports an endpoint that is not there as unreachable', async () => {
    const judge = new OpenAiJudge({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm' });
    await expect(judge.judge('r', 'o')).rejects.toMatchObject({ code: 'E_JUDGE_UNREACHABLE' });
  });

  it('reads a verdict inside prose or a code fence, and refuses a score out of range', () => {
    expect(parseVerdict('Sure!\n```json\n{"score": 0.5, "reason": "half"}\n```')).toEqual({
      score: 0.5,
      reason: 'half',
    });
    expect(() => parseVerdict('{"score": 7}')).toThrow(
      expect.objectContaining({ code: 'E_JUDGE_BAD_ANSWER' }),
    );
    expect(() => parseVerdict('{"score": "high"}')).toThrow(
      expect.objectContaining({ code: 'E_JUDGE_BAD_ANSWER' }),
    );
  });

  it('stops a call when its signal aborts', async () => {
    fake.delayMs = 2000;
    const judge = new OpenAiJudge({ baseUrl: fake.baseUrl, model: 'm' });
    const controller = new AbortController();
    const pending = judge.judge('r', 'o', { signal: controller.signal });
    setTimeout(() => {
      controller.abort(new Error('user stop'));
    }, 20);
    await expect(pending).rejects.toThrow('user stop');
  });
});

describe('JudgeRunner', () => {
  it('retries a 429 and a malformed answer through the executor, then answers', async () => {
    const judge = runner();
    fake.script.push(
      { kind: 'http', status: 429, retryAfter: '0' },
      { kind: 'text', text: 'no json' },
    );
    const verdict = await judge.judge('Mentions "tea"', 'green tea');
    expect(verdict.score).toBe(0.9);
    expect(fake.requests).toHaveLength(3);
    expect(judge.usage).toEqual({ calls: 3, cached: 0, failed: 0 });
  });

  it('gives up at once on a 401, with a code and no secret in the message', async () => {
    const judge = runner();
    fake.script.push({ kind: 'http', status: 401 });
    const error = (await judge.judge('r', 'o').then(
      () => new Error('answered'),
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ code: 'E_JUDGE_FAILED' });
    expect(error.message).toMatch(/E_JUDGE_HTTP/);
    expect(error.message).not.toContain('sk-judge-secret');
    expect(fake.requests).toHaveLength(1);
    expect(judge.usage.failed).toBe(1);
  });

  it('gives up after max_attempts on answers that never parse', async () => {
    const judge = runner({ max_attempts: 2 });
    fake.script.push({ kind: 'text', text: 'x' }, { kind: 'text', text: 'y' });
    await expect(judge.judge('r', 'o')).rejects.toMatchObject({ code: 'E_JUDGE_FAILED' });
    expect(fake.requests).toHaveLength(2);
  });

  it('caches verdicts by rubric, output and model: asking again costs nothing', async () => {
    const judge = runner();
    await judge.judge('Mentions "a"', 'a');
    const again = await judge.judge('Mentions "a"', 'a');
    expect(again).toMatchObject({ score: 0.9, cached: true });
    await judge.judge('Mentions "a"', 'b');
    expect(fake.requests).toHaveLength(2);
    expect(judge.usage).toEqual({ calls: 2, cached: 1, failed: 0 });
  });

  it('asks once for the same question asked twice at the same time, even without a store', async () => {
    const judge = runner({}, false);
    fake.delayMs = 30;
    const [a, b] = await Promise.all([judge.judge('q', 'o'), judge.judge('q', 'o')]);
    expect(a).toEqual(b);
    expect(fake.requests).toHaveLength(1);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const judge = runner({ concurrency: 2 });
    fake.delayMs = 20;
    await Promise.all(Array.from({ length: 8 }, (_, i) => judge.judge('r', `output ${String(i)}`)));
    expect(fake.requests).toHaveLength(8);
    expect(fake.maxInFlight).toBe(2);
  });
});
