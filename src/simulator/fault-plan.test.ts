import { describe, expect, it } from 'vitest';
import { FaultPlan } from './fault-plan.js';

describe('FaultPlan', () => {
  it('strikes each fault for its count, first armed first, one of each kind per request', () => {
    const plan = new FaultPlan();
    plan.add({ kind: 'http_5xx', count: 2 });
    plan.add({ kind: 'http_5xx', status: 503 });
    plan.add({ kind: 'slow_chunks', delayMs: 5 });
    expect(plan.pending).toBe(4);
    expect(plan.take('a')).toEqual([{ kind: 'http_5xx' }, { kind: 'slow_chunks', delayMs: 5 }]);
    expect(plan.take('a')).toEqual([{ kind: 'http_5xx' }]);
    expect(plan.take('a')).toEqual([{ kind: 'http_5xx', status: 503 }]);
    expect(plan.take('a')).toEqual([]);
    expect(plan.pending).toBe(0);
  });

  it('strikes only the app it names, and clears', () => {
    const plan = new FaultPlan();
    plan.add({ kind: 'storm_429', app: 'b', count: 5 });
    expect(plan.take('a')).toEqual([]);
    expect(plan.take('b')).toEqual([{ kind: 'storm_429' }]);
    plan.clear();
    expect(plan.take('b')).toEqual([]);
  });
});
