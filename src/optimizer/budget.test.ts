import { describe, expect, it } from 'vitest';
import { Budget, BudgetError, checkRunBudget } from './budget.js';

describe('Budget', () => {
  it('affords only what fits in every limit, and never lets a total pass one', () => {
    let now = 0;
    const budget = new Budget(
      { runs: 10, proposerCalls: 2, maxCost: 1, timeMs: 1000 },
      { now: () => now },
    );
    expect(budget.affords({ runs: 10 })).toBe(true);
    expect(budget.affords({ runs: 11 })).toBe(false);
    budget.spend({ runs: 6, cost: 0.4 });
    expect(budget.affords({ runs: 4, cost: 0.6 })).toBe(true);
    expect(budget.affords({ runs: 5 })).toBe(false);
    expect(budget.affords({ cost: 0.61 })).toBe(false);
    budget.spend({ proposerCalls: 2 });
    expect(budget.affords({ proposerCalls: 1 })).toBe(false);
    expect(budget.affords({})).toBe(true);
    expect(budget.spent).toEqual({ runs: 6, proposerCalls: 2, cost: 0.4 });
    expect(budget.exhausted()).toBeUndefined();
    now = 1000;
    expect(budget.affords({})).toBe(false);
    expect(budget.exhausted()).toBe('the time budget is spent');
  });

  it('says which budget is spent', () => {
    const runs = new Budget({ runs: 2, proposerCalls: 9, maxCost: 9, timeMs: 9e9 });
    runs.spend({ runs: 2 });
    expect(runs.exhausted()).toBe('the run budget (2) is spent');
    const cost = new Budget({ runs: 9, proposerCalls: 9, maxCost: 0.5, timeMs: 9e9 });
    cost.spend({ cost: 0.5 });
    expect(cost.exhausted()).toBe('the cost budget (0.5) is spent');
  });
});

describe('checkRunBudget', () => {
  it('asks for the baseline, the held-out proof and three full validations', () => {
    // The spec's defaults: 20 validation cases, 40 held-out cases x 2 runs.
    expect(() => {
      checkRunBudget(600, { validationRuns: 20, heldoutRuns: 80 });
    }).not.toThrow();
    expect(() => {
      checkRunBudget(240, { validationRuns: 20, heldoutRuns: 80 });
    }).not.toThrow();
    let error: unknown;
    try {
      checkRunBudget(239, { validationRuns: 20, heldoutRuns: 80 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BudgetError);
    expect(error).toMatchObject({
      code: 'E_OPTIMIZE_BUDGET',
      message:
        'a budget of 239 runs cannot buy the baseline (100 runs), the held-out proof (80) and three full validations (60): it needs at least 240',
    });
  });

  it('counts the time of an earlier session, weighs what an evaluation will take, and can ignore time when replaying', () => {
    let now = 1000;
    const budget = new Budget(
      { runs: 100, proposerCalls: 10, maxCost: 1, timeMs: 60_000 },
      { now: () => now, elapsedMs: 50_000 },
    );
    expect(budget.elapsedMs).toBe(50_000);
    expect(budget.affords({ runs: 10, ms: 9_999 })).toBe(true);
    expect(budget.affords({ runs: 10, ms: 10_000 })).toBe(false);
    now += 10_000;
    expect(budget.exhausted()).toBe('the time budget is spent');
    expect(budget.affords({ runs: 10 })).toBe(false);
    expect(budget.affords({ runs: 10 }, { ignoreTime: true })).toBe(true);
    expect(budget.affords({ runs: 101 }, { ignoreTime: true })).toBe(false);
  });
});
