import { answeredLatencyMs, hasEnded, resultPassed } from '../store/result-facts.js';
import type { CaseRecord, ResultRecord } from '../store/run-store.js';
import { distribution, type Distribution } from '../stats/distribution.js';
import { mcnemarExactP } from '../stats/mcnemar.js';
import { wilsonInterval } from '../stats/wilson-interval.js';

/** One prompt variant of a workflow, side by side with the workflow's first variant. */
export interface VariantStatistics {
  readonly workflowId: string;
  readonly variant: string;
  /** Its cases that ended. */
  readonly ended: number;
  readonly passed: number;
  readonly passRate: number;
  /** The pass rate's 95% interval (Wilson). */
  readonly interval: readonly [number, number];
  readonly tokens: number;
  readonly cost: number;
  /** Of the cases Dify answered. */
  readonly latencyMs: Distribution | undefined;
  /** Against the first variant, over the cases both ended (none for the first variant itself). */
  readonly vsFirst:
    | {
        readonly baseline: string;
        readonly pairs: number;
        /** The exact McNemar p (two-sided) of the paired verdicts. */
        readonly pValue: number;
        /** Cases that fail with the first variant and pass with this one. */
        readonly toPass: readonly string[];
        /** Cases that pass with the first variant and fail with this one. */
        readonly toFail: readonly string[];
      }
    | undefined;
}

interface Tally {
  ended: number;
  passed: number;
  tokens: number;
  cost: number;
  readonly latencies: number[];
  /** `caseIndex:repeatIndex` → passed, for the cases that ended. */
  readonly verdicts: Map<string, { readonly caseId: string; readonly passed: boolean }>;
}

/**
 * Each workflow's variants side by side, counted result by result: pass rate with its 95%
 * interval, tokens, cost and latency, and against the first variant the cases that flipped and
 * the paired exact McNemar p (cases pair up by their index and repeat). Nothing for a run
 * without variants.
 */
export class VariantComparison {
  readonly #pairKey: ReadonlyMap<string, string>;
  /** Workflow and variant, in the order the run has them. */
  readonly #order: { readonly workflowId: string; readonly variant: string }[] = [];
  readonly #tallies = new Map<string, Tally>();

  constructor(cases: readonly CaseRecord[]) {
    this.#pairKey = new Map(
      cases
        .filter((c) => c.variant !== null)
        .map((c) => [c.caseId, `${c.caseIndex}:${c.repeatIndex}`]),
    );
    for (const c of cases) {
      if (c.variant === null || this.#tallies.has(keyOf(c.workflowId, c.variant))) continue;
      this.#order.push({ workflowId: c.workflowId, variant: c.variant });
      this.#tallies.set(keyOf(c.workflowId, c.variant), {
        ended: 0,
        passed: 0,
        tokens: 0,
        cost: 0,
        latencies: [],
        verdicts: new Map(),
      });
    }
  }

  add(r: ResultRecord): void {
    const tally =
      r.variant === null ? undefined : this.#tallies.get(keyOf(r.workflowId, r.variant));
    if (tally === undefined) return;
    tally.tokens += r.tokens ?? 0;
    tally.cost += r.cost ?? 0;
    const latency = answeredLatencyMs(r);
    if (latency !== undefined) tally.latencies.push(latency);
    if (!hasEnded(r)) return;
    tally.ended += 1;
    const passed = resultPassed(r);
    if (passed) tally.passed += 1;
    tally.verdicts.set(this.#pairKey.get(r.caseId) ?? r.caseId, { caseId: r.caseId, passed });
  }

  finish(): VariantStatistics[] {
    return this.#order.map(({ workflowId, variant }) => {
      const tally = this.#tallies.get(keyOf(workflowId, variant)) as Tally;
      const baseline = this.#order.find((o) => o.workflowId === workflowId);
      const base =
        baseline === undefined || baseline.variant === variant
          ? undefined
          : this.#tallies.get(keyOf(workflowId, baseline.variant));
      return {
        workflowId,
        variant,
        ended: tally.ended,
        passed: tally.passed,
        passRate: tally.ended === 0 ? 0 : tally.passed / tally.ended,
        interval: wilsonInterval(tally.passed, tally.ended),
        tokens: tally.tokens,
        cost: tally.cost,
        latencyMs: distribution(tally.latencies),
        vsFirst:
          base === undefined || baseline === undefined
            ? undefined
            : versus(baseline.variant, base, tally),
      };
    });
  }
}

function keyOf(workflowId: string, variant: string): string {
  return `${workflowId}\u0000${variant}`;
}

/** A variant against the first one, over the cases both ended. */
function versus(
  baseline: string,
  base: Tally,
  tally: Tally,
): NonNullable<VariantStatistics['vsFirst']> {
  const toPass: string[] = [];
  const toFail: string[] = [];
  let pairs = 0;
  for (const [key, mine] of tally.verdicts) {
    const theirs = base.verdicts.get(key);
    if (theirs === undefined) continue;
    pairs += 1;
    if (mine.passed && !theirs.passed) toPass.push(mine.caseId);
    if (!mine.passed && theirs.passed) toFail.push(mine.caseId);
  }
  return { baseline, pairs, pValue: mcnemarExactP(toFail.length, toPass.length), toPass, toFail };
}
