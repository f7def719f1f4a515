import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from './adaptive-concurrency.js';

describe('AdaptiveConcurrency', () => {
  it('starts at the policy maximum and never climbs above it', () => {
    const concurrency = new AdaptiveConcurrency(4);
    expect(concurrency.limit).toBe(4);
    for (let i = 0; i < 20; i += 1) concurrency.onSuccess();
    expect(concurrency.limit).toBe(4);
  });

  it('halves on each push-back, down to 1', () => {
    const concurrency = new AdaptiveConcurrency(16);
    const limits = [1, 2, 3, 4, 5].map(() => {
      concurrency.onRateLimited();
      return concurrency.limit;
    });
    expect(limits).toEqual([8, 4, 2, 1, 1]);
  });

  it('recovers by one after as many consecutive successes as the current limit', () => {
    const concurrency = new AdaptiveConcurrency(8);
    concurrency.onRateLimited();
    concurrency.onRateLimited();
    expect(concurrency.limit).toBe(2);
    concurrency.onSuccess();
    expect(concurrency.limit).toBe(2);
    concurrency.onSuccess();
    expect(concurrency.limit).toBe(3);
    concurrency.onSuccess();
    concurrency.onSuccess();
    concurrency.onRateLimited();
    expect(concurrency.limit).toBe(1);
    concurrency.onSuccess();
    expect(concurrency.limit).toBe(2);
  });

  it('never goes above a cap the target states, even while recovering', () => {
    const concurrency = new AdaptiveConcurrency(50);
    concurrency.onRateLimited(10);
    expect(concurrency.limit).toBe(10);
    expect(concurrency.ceiling).toBe(10);
    for (let i = 0; i < 200; i += 1) concurrency.onSuccess();
    expect(concurrency.limit).toBe(10);
    concurrency.onRateLimited(30);
    expect(concurrency.ceiling).toBe(10);
    expect(concurrency.limit).toBe(5);
    concurrency.onRateLimited(0);
    expect(concurrency.ceiling).toBe(1);
  });
});
