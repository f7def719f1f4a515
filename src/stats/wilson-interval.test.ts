import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson-interval.js';

describe('wilsonInterval', () => {
  it('matches the published 95% Wilson intervals', () => {
    const [low, high] = wilsonInterval(8, 10);
    expect(low).toBeCloseTo(0.4902, 3);
    expect(high).toBeCloseTo(0.9433, 3);
    const [l2, h2] = wilsonInterval(50, 100);
    expect(l2).toBeCloseTo(0.4038, 3);
    expect(h2).toBeCloseTo(0.5962, 3);
  });

  it('stays inside [0, 1] and is not empty at 0 and at n', () => {
    const [l0, h0] = wilsonInterval(0, 12);
    expect(l0).toBe(0);
    expect(h0).toBeCloseTo(0.2425, 3);
    const [ln, hn] = wilsonInterval(12, 12);
    expect(ln).toBeCloseTo(0.7575, 3);
    expect(hn).toBe(1);
  });

  it('says nothing is known of no cases', () => {
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});
