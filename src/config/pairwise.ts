/**
 * All-pairs combinations: rows such that every pair of values of any two parameters appears in
 * at least one row, far fewer than the cartesian product (IPO: grow column by column, then add
 * rows for the pairs still missing). Deterministic for the same input.
 * @returns rows as lists of value indexes, one per parameter.
 */
export function allPairs(sizes: readonly number[]): number[][] {
  if (sizes.some((size) => size < 1)) return [];
  if (sizes.length === 0) return [[]];
  if (sizes.length === 1) return Array.from({ length: sizes[0] ?? 0 }, (_, v) => [v]);
  const FREE = -1;
  const rows: number[][] = [];
  for (let a = 0; a < (sizes[0] ?? 0); a += 1) {
    for (let b = 0; b < (sizes[1] ?? 0); b += 1) rows.push([a, b]);
  }
  for (let k = 2; k < sizes.length; k += 1) {
    const size = sizes[k] ?? 0;
    // uncovered[j][u] = values w of column k not yet paired with value u of column j.
    const uncovered = Array.from({ length: k }, (_, j) =>
      Array.from(
        { length: sizes[j] ?? 0 },
        () => new Set(Array.from({ length: size }, (_, w) => w)),
      ),
    );
    const gain = (row: readonly number[], w: number): number => {
      let count = 0;
      for (let j = 0; j < k; j += 1) {
        const u = row[j] ?? FREE;
        if (u !== FREE && uncovered[j]?.[u]?.has(w) === true) count += 1;
      }
      return count;
    };
    const cover = (row: readonly number[], w: number): void => {
      for (let j = 0; j < k; j += 1) {
        const u = row[j] ?? FREE;
        if (u !== FREE) uncovered[j]?.[u]?.delete(w);
      }
    };
    // Horizontal growth: give each row the value of column k that covers the most new pairs.
    rows.forEach((row, index) => {
      let best = index < size ? index : 0;
      let bestGain = -1;
      for (let w = 0; w < size; w += 1) {
        const g = gain(row, w);
        if (g > bestGain) {
          best = w;
          bestGain = g;
        }
      }
      row.push(best);
      cover(row, best);
    });
    // Vertical growth: a row for each pair still missing, reusing rows with free cells.
    for (let j = 0; j < k; j += 1) {
      for (let u = 0; u < (sizes[j] ?? 0); u += 1) {
        for (const w of [...(uncovered[j]?.[u] ?? [])]) {
          const fit = rows.find((row) => row[k] === w && row[j] === FREE);
          if (fit !== undefined) {
            fit[j] = u;
            cover(fit, w);
            continue;
          }
          const row = Array.from({ length: k + 1 }, () => FREE);
          row[j] = u;
          row[k] = w;
          rows.push(row);
          cover(row, w);
        }
      }
    }
  }
  // Free cells can take any value: the first.
  return rows.map((row) => row.map((v) => (v === FREE ? 0 : v)));
}
