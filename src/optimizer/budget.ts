import { AutoOptError } from '../core/autoopt-error.js';

/** An optimization's limits: Dify runs, proposer calls, money and time. */
export interface BudgetLimits {
  /** Dify case executions, the baseline and the held-out proof included. */
  readonly runs: number;
  readonly proposerCalls: number;
  /** In the currency Dify and the proposer report. */
  readonly maxCost: number;
  readonly timeMs: number;
}

/** What an evaluation or a proposer call would spend. */
export interface Spending {
  readonly runs?: number;
  readonly proposerCalls?: number;
  readonly cost?: number;
  /** How long it is expected to take. */
  readonly ms?: number;
}

/** A budget that cannot buy what an optimization needs at least: what it needs. */
export class BudgetError extends AutoOptError {
  constructor(message: string) {
    super('E_OPTIMIZE_BUDGET', message);
  }
}

/**
 * An optimization's hard budget: an evaluation or a call that cannot finish within what is left
 * does not start ({@link affords}), so no total ever passes its limit. Time is read from `now`.
 */
export class Budget {
  readonly limits: BudgetLimits;
  readonly #now: () => number;
  readonly #startedAt: number;
  #runs = 0;
  #proposerCalls = 0;
  #cost = 0;

  constructor(
    limits: BudgetLimits,
    options: {
      readonly now?: () => number;
      /** Time an earlier session of the same optimization already spent. */
      readonly elapsedMs?: number;
    } = {},
  ) {
    this.limits = limits;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now() - (options.elapsedMs ?? 0);
  }

  /** Time spent, earlier sessions included. */
  get elapsedMs(): number {
    return this.#now() - this.#startedAt;
  }

  /** What was spent so far. */
  get spent(): { readonly runs: number; readonly proposerCalls: number; readonly cost: number } {
    return { runs: this.#runs, proposerCalls: this.#proposerCalls, cost: this.#cost };
  }

  /** Why nothing more can start, or undefined while something can. */
  exhausted(): string | undefined {
    if (this.#runs >= this.limits.runs)
      return `the run budget (${String(this.limits.runs)}) is spent`;
    if (this.#cost >= this.limits.maxCost)
      return `the cost budget (${String(this.limits.maxCost)}) is spent`;
    if (this.#now() - this.#startedAt >= this.limits.timeMs) return 'the time budget is spent';
    return undefined;
  }

  /**
   * Whether `spending` fits in what is left of every limit, time included (unless
   * `ignoreTime`: a resumed search replaying what it already did).
   */
  affords(spending: Spending, options: { readonly ignoreTime?: boolean } = {}): boolean {
    return (
      this.#runs + (spending.runs ?? 0) <= this.limits.runs &&
      this.#proposerCalls + (spending.proposerCalls ?? 0) <= this.limits.proposerCalls &&
      this.#cost + (spending.cost ?? 0) <= this.limits.maxCost &&
      (options.ignoreTime === true ||
        this.#now() - this.#startedAt + (spending.ms ?? 0) < this.limits.timeMs)
    );
  }

  /** Counts what an evaluation or a call spent (its real cost, known once it ended). */
  spend(spending: Spending): void {
    this.#runs += spending.runs ?? 0;
    this.#proposerCalls += spending.proposerCalls ?? 0;
    this.#cost += spending.cost ?? 0;
  }
}

/**
 * Checks before any run that a run budget buys the baseline (validation and held-out), the
 * held-out proof of the final pick, and at least three full validations.
 * @throws BudgetError (`E_OPTIMIZE_BUDGET`) saying how many runs that takes.
 */
export function checkRunBudget(
  runs: number,
  split: { readonly validationRuns: number; readonly heldoutRuns: number },
): void {
  const needed = split.validationRuns + 2 * split.heldoutRuns + 3 * split.validationRuns;
  if (runs < needed)
    throw new BudgetError(
      `a budget of ${String(runs)} runs cannot buy the baseline (${String(split.validationRuns + split.heldoutRuns)} runs), the held-out proof (${String(split.heldoutRuns)}) and three full validations (${String(3 * split.validationRuns)}): it needs at least ${String(needed)}`,
    );
}
