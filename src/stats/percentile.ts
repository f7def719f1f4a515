/**
 * The `p`-th percentile (0..100) of ascending `sorted`, interpolating linearly between the
 * closest ranks: for [1,2,3,4,5], p50 = 3, p95 = 4.8, p99 = 4.96. 0 for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lower = Math.floor(rank);
  const low = sorted[lower] as number;
  if (lower === n - 1) return low;
  return low + (rank - lower) * ((sorted[lower + 1] as number) - low);
}
