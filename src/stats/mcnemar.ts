function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i += 1) sum += Math.log((n - k + i) / i);
  return sum;
}

/**
 * McNemar's exact test for paired pass/fail data: the two-sided p-value that `regressed` and
 * `improved` (the discordant pairs) differ only by chance (binomial, p = ½).
 */
export function mcnemarExactP(regressed: number, improved: number): number {
  const n = regressed + improved;
  if (n === 0) return 1;
  const low = Math.min(regressed, improved);
  let tail = 0;
  for (let i = 0; i <= low; i += 1) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/**
 * The 95% confidence interval of the difference in pass rate between two paired runs (Wald,
 * for paired proportions): `improved` and `regressed` of `pairs`.
 */
export function pairedDifferenceInterval(
  regressed: number,
  improved: number,
  pairs: number,
): readonly [number, number] {
  if (pairs === 0) return [0, 0];
  const difference = (improved - regressed) / pairs;
  const se =
    Math.sqrt(Math.max(0, improved + regressed - (improved - regressed) ** 2 / pairs)) / pairs;
  return [Math.max(-1, difference - 1.96 * se), Math.min(1, difference + 1.96 * se)];
}
