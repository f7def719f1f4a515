/**
 * The 95% Wilson score interval of a pass rate: `passed` of `n`. Unlike the normal
 * approximation it stays inside [0, 1] and is honest at 0 and 1 and for small `n`.
 */
export function wilsonInterval(passed: number, n: number): readonly [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.959964;
  const p = passed / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
