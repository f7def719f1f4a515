import { mcnemarOneSidedP, signFlipP } from '../stats/paired-tests.js';

/** How sure and how large a held-out gain must be to accept a candidate. */
export interface AcceptanceRule {
  /** The one-sided test's level. */
  readonly alpha: number;
  /** The least gain in held-out pass rate. */
  readonly margin: number;
}

/** The verdict on a candidate against the baseline on the held-out cases. */
export interface AcceptanceVerdict {
  readonly accepted: boolean;
  readonly pValue: number;
  /** Held-out pass rate: candidate − baseline. */
  readonly gain: number;
  readonly baselineRate: number;
  readonly candidateRate: number;
  /** `p=0.003 < 0.05 and gain 0.25 >= 0.05`, or why not. */
  readonly reason: string;
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;

const fixed = (value: number): string => String(Number(value.toFixed(4)));

/**
 * Decides whether a candidate beat the baseline on the held-out cases: both a one-sided paired
 * test (exact McNemar with one run per case, a sign-flip permutation on per-case means with
 * more) gives p < alpha, and the pass rate gains at least the margin. `baseline[i]` and
 * `candidate[i]` are case i's pass (1) or fail (0) per repeat.
 * @throws RangeError when the two arms do not pair up case by case.
 */
export function decideAcceptance(
  baseline: readonly (readonly number[])[],
  candidate: readonly (readonly number[])[],
  rule: AcceptanceRule,
  options: { readonly random: () => number },
): AcceptanceVerdict {
  if (baseline.length !== candidate.length || baseline.length === 0)
    throw new RangeError(
      `held-out arms must pair up: ${String(baseline.length)} baseline cases, ${String(candidate.length)} candidate cases`,
    );
  const before = baseline.map(mean);
  const after = candidate.map(mean);
  const baselineRate = mean(before);
  const candidateRate = mean(after);
  const gain = candidateRate - baselineRate;
  const once = baseline.every((runs, i) => runs.length === 1 && candidate[i]?.length === 1);
  let pValue: number;
  if (once) {
    let improved = 0;
    let regressed = 0;
    before.forEach((b, i) => {
      const a = after[i] as number;
      if (a > b) improved += 1;
      if (a < b) regressed += 1;
    });
    pValue = mcnemarOneSidedP(regressed, improved);
  } else {
    pValue = signFlipP(
      after.map((a, i) => a - (before[i] as number)),
      { random: options.random },
    );
  }
  const significant = pValue < rule.alpha;
  const large = gain >= rule.margin - 1e-12;
  const p = `p=${fixed(pValue)}`;
  const g = `gain ${fixed(gain)}`;
  const reason =
    significant && large
      ? `${p} < ${fixed(rule.alpha)} and ${g} >= ${fixed(rule.margin)}`
      : `no improvement proven: ${significant ? `${p} < ${fixed(rule.alpha)}` : `${p} >= ${fixed(rule.alpha)}`} and ${large ? `${g} >= ${fixed(rule.margin)}` : `${g} < ${fixed(rule.margin)}`}`;
  return { accepted: significant && large, pValue, gain, baselineRate, candidateRate, reason };
}
