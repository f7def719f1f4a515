import { describe, expect, it } from 'vitest';
import { parseExecutionPolicy } from './execution-policy.js';
import { PolicyValidationError } from './executor-error.js';

function rejection(input: unknown): PolicyValidationError {
  try {
    parseExecutionPolicy(input);
  } catch (error) {
    if (error instanceof PolicyValidationError) return error;
    throw error;
  }
  throw new Error('expected the policy to be refused');
}

describe('parseExecutionPolicy', () => {
  it('fills in every default of the contract', () => {
    expect(parseExecutionPolicy({})).toEqual({
      concurrency: 5,
      backoffBetweenBatches: 0,
      retry: { maxAttempts: 3, backoff: 0.5, multiplier: 2, maxBackoff: 30, jitter: 0.2 },
      timeoutPerTask: 300,
      stopConditions: {},
    });
  });

  it('keeps every valid value given', () => {
    const policy = {
      concurrency: 1,
      batchSize: 1,
      backoffBetweenBatches: 0,
      rateLimit: { perMinute: 0.5, burst: 1 },
      retry: { maxAttempts: 1, backoff: 0, multiplier: 1, maxBackoff: 0, jitter: 1 },
      timeoutPerTask: 0.001,
      stopConditions: { maxFailures: 1, timeout: 0.5 },
    };
    expect(parseExecutionPolicy(policy)).toEqual(policy);
  });

  const bad: [string, unknown, string, unknown][] = [
    ['concurrency 0', { concurrency: 0 }, 'concurrency', 0],
    ['fractional concurrency', { concurrency: 1.5 }, 'concurrency', 1.5],
    ['string concurrency', { concurrency: '4' }, 'concurrency', '4'],
    ['batchSize 0', { batchSize: 0 }, 'batchSize', 0],
    ['fractional batchSize', { batchSize: 2.5 }, 'batchSize', 2.5],
    ['negative backoffBetweenBatches', { backoffBetweenBatches: -1 }, 'backoffBetweenBatches', -1],
    [
      'infinite backoffBetweenBatches',
      { backoffBetweenBatches: Infinity },
      'backoffBetweenBatches',
      Infinity,
    ],
    ['perMinute 0', { rateLimit: { perMinute: 0, burst: 1 } }, 'rateLimit.perMinute', 0],
    ['burst 0', { rateLimit: { perMinute: 60, burst: 0 } }, 'rateLimit.burst', 0],
    ['fractional burst', { rateLimit: { perMinute: 60, burst: 1.5 } }, 'rateLimit.burst', 1.5],
    ['a rate limit without burst', { rateLimit: { perMinute: 60 } }, 'rateLimit.burst', undefined],
    ['maxAttempts 0', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts', 0],
    ['negative backoff', { retry: { backoff: -0.1 } }, 'retry.backoff', -0.1],
    ['multiplier below 1', { retry: { multiplier: 0.5 } }, 'retry.multiplier', 0.5],
    ['negative maxBackoff', { retry: { maxBackoff: -1 } }, 'retry.maxBackoff', -1],
    ['jitter above 1', { retry: { jitter: 1.5 } }, 'retry.jitter', 1.5],
    ['negative jitter', { retry: { jitter: -0.1 } }, 'retry.jitter', -0.1],
    ['timeoutPerTask 0', { timeoutPerTask: 0 }, 'timeoutPerTask', 0],
    ['NaN timeoutPerTask', { timeoutPerTask: Number.NaN }, 'timeoutPerTask', Number.NaN],
    ['maxFailures 0', { stopConditions: { maxFailures: 0 } }, 'stopConditions.maxFailures', 0],
    ['stop timeout 0', { stopConditions: { timeout: 0 } }, 'stopConditions.timeout', 0],
    ['an unknown key', { concurency: 3 }, 'concurency', 3],
    ['an unknown nested key', { retry: { attempts: 3 } }, 'retry.attempts', 3],
    ['a non-object policy', 'fast', '(policy)', 'fast'],
  ];
  it.each(bad)('refuses %s, naming the field and the value', (_, input, field, value) => {
    const error = rejection(input);
    expect(error.code).toBe('E_POLICY_INVALID');
    expect(error.field).toBe(field);
    expect(error.value).toEqual(value);
    expect(error.message).toContain(field);
  });

  it('reports every problem of a policy at once', () => {
    const error = rejection({ concurrency: 0, retry: { jitter: 2 }, timeoutPerTask: -1 });
    expect(error.issues.map((issue) => issue.field)).toEqual([
      'concurrency',
      'retry.jitter',
      'timeoutPerTask',
    ]);
    expect(error.message).toMatch(/concurrency: .*\(got 0\); retry\.jitter: .*\(got 2\)/);
  });

  it('says what is wrong in English words, not a bare "invalid input"', () => {
    expect(rejection({ concurrency: 0 }).issues[0]?.message).toBe(
      'Too small: expected number to be >=1',
    );
    expect(rejection({ concurrency: 1.5 }).issues[0]?.message).toBe(
      'Invalid input: expected int, received number',
    );
  });

  it('describes values of every kind in its message', () => {
    expect(rejection({ concurrency: { n: 1 } }).message).toContain('(got {"n":1})');
    expect(rejection({ concurrency: () => 1 }).message).toContain('(got a function)');
    expect(rejection({ concurrency: Symbol('s') }).message).toContain('(got Symbol(s))');
    expect(rejection({ concurrency: 10n }).message).toContain('(got 10)');
    expect(rejection({ rateLimit: { perMinute: 1 } }).message).toContain('(got undefined)');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(rejection({ concurrency: circular }).message).toContain('(got [object Object])');
  });
});
