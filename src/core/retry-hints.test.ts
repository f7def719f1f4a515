import { describe, expect, it } from 'vitest';
import { readRetryHints } from './retry-hints.js';

describe('readRetryHints', () => {
  it('reads every hint an error carries', () => {
    const error = Object.assign(new Error('429'), {
      retryable: true,
      rateLimited: true,
      retryAfterMs: 1500,
      concurrencyLimit: 4.7,
    });
    expect(readRetryHints(error)).toEqual({
      retryable: true,
      rateLimited: true,
      retryAfterMs: 1500,
      concurrencyLimit: 4,
    });
  });

  it('reads nothing from values that are not objects', () => {
    for (const value of [undefined, null, 'text', 3]) expect(readRetryHints(value)).toEqual({});
  });

  it('ignores malformed hints', () => {
    expect(
      readRetryHints({
        retryable: 'no',
        rateLimited: 'yes',
        retryAfterMs: -1,
        concurrencyLimit: 0,
      }),
    ).toEqual({});
    expect(readRetryHints({ retryAfterMs: Number.NaN, concurrencyLimit: Infinity })).toEqual({});
    expect(readRetryHints({ retryable: false, rateLimited: false })).toEqual({ retryable: false });
  });
});
