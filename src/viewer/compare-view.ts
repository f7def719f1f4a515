import { mcnemarExactP, pairedDifferenceInterval } from '../stats/mcnemar.js';
import type { Flipped, StoreReader } from '../store/store-reader.js';
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
  return reader.perVersion(`compare:${a ?? ''}\u001f${b ?? ''}`, () => comparison(reader, a, b));
}

function comparison(
  reader: StoreReader,
  a: string | undefined,
  b: string | undefined,
): ComparisonView {
  const left = sideOf(reader, a, 'a');
  const right = sideOf(reader, b, 'b');
  const pairing = reader.pairing(left, right, MAX_FLIPPED);
  const flips = (pairs: readonly Flipped[]): Flip[] =>
    pairs.map((pair) => ({
      workflowId: pair.workflowId,
      a: { ...pair.a, output: reader.output(left.runId, pair.a.caseId) },
      b: { ...pair.b, output: reader.output(right.runId, pair.b.caseId) },
    }));
  const { paired, regressed, improved } = pairing;
  return {
    a: { ...left, ...rateOf(pairing.a.passed, pairing.a.ended) },
    b: { ...right, ...rateOf(pairing.b.passed, pairing.b.ended) },
    paired,
    regressedCount: regressed,
    improvedCount: improved,
    pValue: mcnemarExactP(regressed, improved),
    delta: paired === 0 ? 0 : (improved - regressed) / paired,
    deltaInterval: pairedDifferenceInterval(regressed, improved, paired),
    regressed: flips(pairing.regressedPairs),
    improved: flips(pairing.improvedPairs),
  };
}
