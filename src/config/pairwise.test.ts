import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allPairs } from './pairwise.js';

describe('allPairs', () => {
  it('covers every pair of values of every two parameters, within the bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 7 }),
        (sizes) => {
          const rows = allPairs(sizes);
          for (const row of rows) {
            expect(row).toHaveLength(sizes.length);
            row.forEach((v, i) => {
              expect(v).toBeGreaterThanOrEqual(0);
              expect(v).toBeLessThan(sizes[i] ?? 0);
            });
          }
          for (let i = 0; i < sizes.length; i += 1) {
            for (let j = i + 1; j < sizes.length; j += 1) {
              const seen = new Set(rows.map((row) => `${String(row[i])},${String(row[j])}`));
              expect(seen.size).toBe((sizes[i] ?? 0) * (sizes[j] ?? 0));
            }
          }
          const product = sizes.reduce((a, b) => a * b, 1);
          expect(rows.length).toBeLessThanOrEqual(product);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('needs far fewer rows than the product for many parameters', () => {
    expect(allPairs([3, 3, 3, 3]).length).toBeLessThanOrEqual(12);
    // 4^10 is over a million; all pairs take a few dozen.
    expect(allPairs([4, 4, 4, 4, 4, 4, 4, 4, 4, 4]).length).toBeLessThanOrEqual(60);
  });

  it('handles the trivial shapes', () => {
    expect(allPairs([])).toEqual([[]]);
    expect(allPairs([3])).toEqual([[0], [1], [2]]);
    expect(allPairs([2, 0])).toEqual([]);
  });
});
