import { isDeepStrictEqual } from 'node:util';
import { answeredLatencyMs, hasEnded, resultPassed } from '../store/result-facts.js';
import type { ResultRecord } from '../store/run-store.js';
import { distribution } from '../stats/distribution.js';
import { mcnemarExactP, pairedDifferenceInterval } from '../stats/mcnemar.js';

/** A case whose verdict or output differs between two runs. */
export interface CaseChange {
  readonly caseId: string;
  readonly workflowId: string;
  readonly before: {
    readonly passed: boolean;
    readonly score: number | null;
    readonly output: unknown;
  };
  readonly after: {
    readonly passed: boolean;
    readonly score: number | null;
    readonly output: unknown;
  };
}

/** What changed from a base run to a head run, case by case (cases paired by their id). */
export interface RunComparison {
  readonly baseRunId: string;
  readonly headRunId: string;
  /** Cases that ended in both runs. */
  readonly paired: number;
  /** Passed in the base run, not in the head run. */
  readonly regressed: readonly CaseChange[];
  /** Failed in the base run, passed in the head run. */
  readonly improved: readonly CaseChange[];
  /** Same verdict, different output. */
  readonly changed: readonly CaseChange[];
  /** Cases only the head run has, and only the base run has. */
  readonly added: number;
  readonly removed: number;
  readonly basePassRate: number;
  readonly headPassRate: number;
  /** Over the paired cases: head minus base, with its 95% confidence interval. */
  readonly passRateDelta: number;
  readonly passRateInterval: readonly [number, number];
  /** McNemar's exact test on the paired verdicts: small means the change is not chance. */
  readonly pValue: number;
  readonly latencyMs: {
    readonly baseP50: number | undefined;
    readonly headP50: number | undefined;
    readonly baseP95: number | undefined;
    readonly headP95: number | undefined;
  };
  readonly tokens: { readonly base: number; readonly head: number };
  readonly cost: { readonly base: number; readonly head: number };
}

interface Side {
  readonly passed: boolean;
  readonly score: number | null;
  readonly output: unknown;
  readonly workflowId: string;
}

function side(result: ResultRecord): Side {
  return {
    passed: resultPassed(result),
    score: result.score,
    output: result.answer ?? result.outputs ?? null,
    workflowId: result.workflowId,
  };
}

class Totals {
  ended = 0;
  passed = 0;
  tokens = 0;
  cost = 0;
  readonly latencies: number[] = [];
  add(result: ResultRecord): void {
    if (!hasEnded(result)) return;
    this.ended += 1;
    if (resultPassed(result)) this.passed += 1;
    this.tokens += result.tokens ?? 0;
    this.cost += result.cost ?? 0;
    const latency = answeredLatencyMs(result);
    if (latency !== undefined) this.latencies.push(latency);
  }
  get passRate(): number {
    return this.ended === 0 ? 0 : this.passed / this.ended;
  }
}

/** Compares two stored runs case by case. */
export function compareRuns(
  base: { readonly runId: string; readonly results: Iterable<ResultRecord> },
  head: { readonly runId: string; readonly results: Iterable<ResultRecord> },
): RunComparison {
  const before = new Map<string, Side>();
  const baseTotals = new Totals();
  for (const result of base.results) {
    baseTotals.add(result);
    if (hasEnded(result)) before.set(result.caseId, side(result));
  }
  const headTotals = new Totals();
  const regressed: CaseChange[] = [];
  const improved: CaseChange[] = [];
  const changed: CaseChange[] = [];
  let paired = 0;
  let added = 0;
  let bothPassedBefore = 0;
  let passedAfter = 0;
  for (const result of head.results) {
    headTotals.add(result);
    if (!hasEnded(result)) continue;
    const was = before.get(result.caseId);
    if (was === undefined) {
      added += 1;
      continue;
    }
    before.delete(result.caseId);
    paired += 1;
    const now = side(result);
    if (was.passed) bothPassedBefore += 1;
    if (now.passed) passedAfter += 1;
    const change: CaseChange = {
      caseId: result.caseId,
      workflowId: result.workflowId,
      before: { passed: was.passed, score: was.score, output: was.output },
      after: { passed: now.passed, score: now.score, output: now.output },
    };
    if (was.passed && !now.passed) regressed.push(change);
    else if (!was.passed && now.passed) improved.push(change);
    else if (!isDeepStrictEqual(was.output, now.output)) changed.push(change);
  }
  const baseLatency = distribution(baseTotals.latencies);
  const headLatency = distribution(headTotals.latencies);
  return {
    baseRunId: base.runId,
    headRunId: head.runId,
    paired,
    regressed,
    improved,
    changed,
    added,
    removed: before.size,
    basePassRate: baseTotals.passRate,
    headPassRate: headTotals.passRate,
    passRateDelta: paired === 0 ? 0 : (passedAfter - bothPassedBefore) / paired,
    passRateInterval: pairedDifferenceInterval(regressed.length, improved.length, paired),
    pValue: mcnemarExactP(regressed.length, improved.length),
    latencyMs: {
      baseP50: baseLatency?.p50,
      headP50: headLatency?.p50,
      baseP95: baseLatency?.p95,
      headP95: headLatency?.p95,
    },
    tokens: { base: baseTotals.tokens, head: headTotals.tokens },
    cost: { base: baseTotals.cost, head: headTotals.cost },
  };
}
