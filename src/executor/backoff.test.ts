import { describe, expect, it } from 'vitest';
import { computeBackoffMs } from './backoff.js';
import { parseExecutionPolicy } from './execution-policy.js';

describe('computeBackoffMs', () => {
  const retry = parseExecutionPolicy({
    retry: { backoff: 0.5, multiplier: 2, maxBackoff: 3, jitter: 0.5 },
  }).retry;

  it('grows geometrically up to maxBackoff with no jitter drawn', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => computeBackoffMs(retry, attempt, () => 0))).toEqual([
      500, 1000, 2000, 3000, 3000,
    ]);
  });

  it('shortens each wait by up to jitter of itself, never lengthening it', () => {
    expect(computeBackoffMs(retry, 2, () => 0.5)).toBe(750);
    expect(computeBackoffMs(retry, 2, () => 0.999)).toBeCloseTo(500.5, 6);
    expect(computeBackoffMs(retry, 9, () => 0.2)).toBe(2700);
  });
});
