import { mcnemarExactP } from './mcnemar.js';

/**
 * One-sided exact McNemar test: the chance of at least `improved` of the `improved + regressed`
 * discordant pairs going the new way if both ways were equally likely (binomial, p = ½). Small
 * means the new arm is better, not only different.
 */
export function mcnemarOneSidedP(regressed: number, improved: number): number {
  const n = regressed + improved;
  if (n === 0) return 1;
  // The two-sided p doubles the smaller tail: halve it back when the new arm leads, and take
  // the complement of the other tail when it does not.
  if (improved > regressed) return mcnemarExactP(regressed, improved) / 2;
  let tail = 0;
  let term = 2 ** -n;
  // P(X >= improved), X ~ Binomial(n, ½): sum the terms from `improved` to n.
  for (let k = 0; k <= n; k += 1) {
    if (k >= improved) tail += term;
    term = (term * (n - k)) / (k + 1);
  }
  return Math.min(1, tail);
}

/**
 * One-sided paired sign-flip permutation test on per-case differences (new − old, e.g. mean
 * pass rates over repeats): the share of sign assignments whose mean difference is at least the
 * one observed. Exact (all 2^n assignments) up to 16 nonzero differences, else `draws` random
 * ones from `random`, counting the observed assignment (so p is never 0).
 */
export function signFlipP(
  differences: readonly number[],
  options: { readonly random: () => number; readonly draws?: number },
): number {
  const values = differences.filter((d) => d !== 0);
  const n = values.length;
  if (n === 0) return 1;
  const observed = values.reduce((sum, d) => sum + d, 0);
  // Compared with a little slack: sums of the same numbers in another order may differ in the
  // last bits.
  const atLeast = (sum: number): boolean => sum >= observed - 1e-12;
  if (n <= 16) {
    let hits = 0;
    for (let mask = 0; mask < 2 ** n; mask += 1) {
      let sum = 0;
      for (let i = 0; i < n; i += 1)
        sum += mask & (1 << i) ? -(values[i] as number) : (values[i] as number);
      if (atLeast(sum)) hits += 1;
    }
    return hits / 2 ** n;
  }
  const draws = options.draws ?? 20_000;
  let hits = 1;
  for (let draw = 0; draw < draws; draw += 1) {
    let sum = 0;
    for (const d of values) sum += options.random() < 0.5 ? -d : d;
    if (atLeast(sum)) hits += 1;
  }
  return hits / (draws + 1);
}
