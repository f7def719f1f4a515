import { mcnemarExactP, pairedDifferenceInterval } from '../stats/mcnemar.js';
import type { StoreReader, Verdict } from '../store/store-reader.js';
import { rateOf, type Rate } from './run-summary.js';
import { ViewerError } from './viewer-error.js';

/** The most flipped cases a comparison lists each way. */
export const MAX_FLIPPED = 200;

/** One side of a comparison: a run, or one variant of it (`run@variant`). */
interface Side {
  readonly label: string;
  readonly runId: string;
  readonly variant: string | undefined;
}

/** `spec` as a side: the run it names, else `run@variant`. */
function sideOf(reader: StoreReader, spec: string | undefined, name: 'a' | 'b'): Side {
  if (spec === undefined || spec === '')
    throw new ViewerError('E_VIEW_BAD_QUERY', `${name} is missing: a run id or run@variant`, 400);
  if (reader.run(spec) !== undefined) return { label: spec, runId: spec, variant: undefined };
  const at = spec.lastIndexOf('@');
  if (at > 0 && reader.run(spec.slice(0, at)) !== undefined)
    return { label: spec, runId: spec.slice(0, at), variant: spec.slice(at + 1) };
  throw new ViewerError('E_VIEW_NOT_FOUND', `${name}: no run ${spec} in the store`, 404);
}

/** A flipped case: its verdict and output on each side. */
export interface Flip {
  readonly workflowId: string;
  readonly a: { readonly caseId: string; readonly passed: boolean; readonly output: unknown };
  readonly b: { readonly caseId: string; readonly passed: boolean; readonly output: unknown };
}

/** Two sides compared. */
export interface ComparisonView {
  readonly a: Side & Rate;
  readonly b: Side & Rate;
  readonly paired: number;
  readonly regressedCount: number;
  readonly improvedCount: number;
  readonly pValue: number;
  readonly delta: number;
  readonly deltaInterval: readonly [number, number];
  readonly regressed: readonly Flip[];
  readonly improved: readonly Flip[];
}

/**
 * A side's verdicts by pairing key: the workflow, case and repeat, and the variant unless the
 * side picked one (so a run without variants pairs with one variant of another).
 */
function verdictsOf(reader: StoreReader, side: Side): Map<string, Verdict> {
  const byKey = new Map<string, Verdict>();
  for (const verdict of reader.verdicts(side.runId)) {
    if (side.variant !== undefined && (verdict.variant ?? '') !== side.variant) continue;
    const key = `${verdict.key}\u001f${side.variant === undefined ? (verdict.variant ?? '*') : '*'}`;
    if (!byKey.has(key)) byKey.set(key, verdict);
  }
  return byKey;
}

const tally = (verdicts: Iterable<Verdict>): { passed: number; ended: number } => {
  let passed = 0;
  let ended = 0;
  for (const v of verdicts) {
    if (!v.ended) continue;
    ended += 1;
    if (v.passed) passed += 1;
  }
  return { passed, ended };
};

/**
 * Two runs, or two variants of one run, compared: each side's pass rate with its interval, the
 * cases paired (same workflow, case and repeat), McNemar's exact p on the discordant pairs, the
 * difference's interval, and the cases that flipped with both outputs.
 * @throws ViewerError when a side is missing or names no run.
 */
export function compareView(
  reader: StoreReader,
  a: string | undefined,
  b: string | undefined,
): ComparisonView {
  const left = sideOf(reader, a, 'a');
  const right = sideOf(reader, b, 'b');
  const before = verdictsOf(reader, left);
  const after = verdictsOf(reader, right);
  const regressed: [Verdict, Verdict][] = [];
  const improved: [Verdict, Verdict][] = [];
  let paired = 0;
  for (const [key, x] of before) {
    const y = after.get(key);
    if (y === undefined || !x.ended || !y.ended) continue;
    paired += 1;
    if (x.passed && !y.passed) regressed.push([x, y]);
    if (!x.passed && y.passed) improved.push([x, y]);
  }
  const flipped = (pairs: readonly [Verdict, Verdict][]): Flip[] =>
    pairs.slice(0, MAX_FLIPPED).map(([x, y]) => ({
      workflowId: x.workflowId,
      a: { caseId: x.caseId, passed: x.passed, output: reader.output(left.runId, x.caseId) },
      b: { caseId: y.caseId, passed: y.passed, output: reader.output(right.runId, y.caseId) },
    }));
  const l = tally(before.values());
  const r = tally(after.values());
  return {
    a: { ...left, ...rateOf(l.passed, l.ended) },
    b: { ...right, ...rateOf(r.passed, r.ended) },
    paired,
    regressedCount: regressed.length,
    improvedCount: improved.length,
    pValue: mcnemarExactP(regressed.length, improved.length),
    delta: paired === 0 ? 0 : (improved.length - regressed.length) / paired,
    deltaInterval: pairedDifferenceInterval(regressed.length, improved.length, paired),
    regressed: flipped(regressed),
    improved: flipped(improved),
  };
}
