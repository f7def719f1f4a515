import { describe, expect, it } from 'vitest';
import { classifyFailure } from './classify-failure.js';
import { NonRetryableError, RateLimitError } from './executor-error.js';

describe('classifyFailure', () => {
  it('retries a plain error, keeping its message', () => {
    expect(classifyFailure(new Error('502 bad gateway'))).toEqual({
      kind: 'retryable',
      hints: {},
      error: { message: '502 bad gateway', code: 'E_TASK_FAILED' },
    });
  });

  it('keeps the code of a coded error', () => {
    expect(
      classifyFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).error.code,
    ).toBe('ECONNRESET');
  });

  it('fails at once on a non-retryable error, by class or by hint', () => {
    expect(classifyFailure(new NonRetryableError('bad input'))).toMatchObject({
      kind: 'final',
      error: { code: 'E_NON_RETRYABLE' },
    });
    expect(
      classifyFailure(
        Object.assign(new Error('400'), { retryable: false, code: 'E_DIFY_INVALID_PARAM' }),
      ),
    ).toMatchObject({ kind: 'final', error: { code: 'E_DIFY_INVALID_PARAM' } });
    expect(classifyFailure({ retryable: false })).toMatchObject({
      kind: 'final',
      error: { code: 'E_NON_RETRYABLE', message: 'non-error thrown: { retryable: false }' },
    });
  });

  it('calls programming errors and non-errors unexpected', () => {
    for (const thrown of [
      new TypeError('x is not a function'),
      new ReferenceError('y'),
      new RangeError('z'),
      new SyntaxError('s'),
      new EvalError('e'),
      'a string',
      undefined,
    ]) {
      expect(classifyFailure(thrown)).toMatchObject({
        kind: 'unexpected',
        error: { code: 'E_UNEXPECTED' },
      });
    }
    expect(classifyFailure({ oops: 1 }).error.message).toBe('non-error thrown: { oops: 1 }');
  });

  it('treats a built-in error from the network as the target’s, by its code or its cause’s', () => {
    const fetchFailed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyFailure(fetchFailed).kind).toBe('retryable');
    expect(classifyFailure(Object.assign(new TypeError('t'), { code: 'UND_ERR' })).kind).toBe(
      'retryable',
    );
    expect(classifyFailure(Object.assign(new TypeError('t'), { retryable: true })).kind).toBe(
      'retryable',
    );
    expect(classifyFailure({ code: 'E_REMOTE', message: 'x' }).kind).toBe('retryable');
  });

  it('passes on rate-limit hints', () => {
    expect(
      classifyFailure(new RateLimitError('429', { retryAfterMs: 100, concurrencyLimit: 2 })),
    ).toEqual({
      kind: 'retryable',
      hints: { rateLimited: true, retryAfterMs: 100, concurrencyLimit: 2 },
      error: { message: '429', code: 'E_RATE_LIMITED' },
    });
  });
});
