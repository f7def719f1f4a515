/**
 * The unbiased pass@k estimate for one case run `n` times with `c` passes: the chance that at
 * least one of `k` runs drawn without replacement passes, 1 − C(n−c, k) / C(n, k).
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n || k < 1) return Number.NaN;
  if (n - c < k) return 1;
  // C(n−c, k) / C(n, k) as a product, which stays exact enough for large n.
  let ratio = 1;
  for (let i = 0; i < k; i += 1) ratio *= (n - c - i) / (n - i);
  return 1 - ratio;
}
