import { describe, expect, it } from 'vitest';
import { MIN_HELDOUT, SplitError, splitCases } from './split-cases.js';

const cases = (n: number, repeats = 1) =>
  Array.from({ length: n * repeats }, (_, i) => ({
    id: `c${String(Math.floor(i / repeats))}`,
    r: i % repeats,
  }));

describe('splitCases', () => {
  it('splits by counts, the same way for the same seed, every case in one part', () => {
    const all = cases(100);
    const split = splitCases(all, { heldout: 40, validation: 20, seed: 7 }, { keyOf: (c) => c.id });
    expect([split.heldout.length, split.validation.length, split.train.length]).toEqual([
      40, 20, 40,
    ]);
    const ids = [...split.heldout, ...split.validation, ...split.train].map((c) => c.id);
    expect(new Set(ids).size).toBe(100);
    expect(
      splitCases(all, { heldout: 40, validation: 20, seed: 7 }, { keyOf: (c) => c.id }),
    ).toEqual(split);
    expect(
      splitCases(all, { heldout: 40, validation: 20, seed: 8 }, { keyOf: (c) => c.id }),
    ).not.toEqual(split);
    // Shuffled: not simply the first cases.
    expect(split.heldout.map((c) => c.id)).not.toEqual(all.slice(0, 40).map((c) => c.id));
  });

  it('takes fractions below 1 of the distinct cases, and keeps repeats of a case together', () => {
    const split = splitCases(
      cases(50, 2),
      { heldout: 0.5, validation: 0.2, seed: 1 },
      { keyOf: (c) => c.id },
    );
    expect([split.heldout.length, split.validation.length, split.train.length]).toEqual([
      50, 20, 30,
    ]);
    for (const part of [split.heldout, split.validation, split.train]) {
      const ids = part.map((c) => c.id);
      for (const id of ids) expect(ids.filter((x) => x === id)).toHaveLength(2);
    }
    const held = new Set(split.heldout.map((c) => c.id));
    expect(split.train.some((c) => held.has(c.id))).toBe(false);
  });

  it('says how many cases are needed when the suite is too small, or the held-out part too', () => {
    const attempt = (n: number, heldout: number, minTrain?: number) => {
      try {
        splitCases(
          cases(n),
          { heldout, validation: 5, seed: 1 },
          { keyOf: (c) => c.id, ...(minTrain === undefined ? {} : { minTrain }) },
        );
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(attempt(29, 20, 4)).toBeUndefined();
    expect(attempt(28, 20, 4)).toBeInstanceOf(SplitError);
    expect(attempt(28, 20, 4)).toMatchObject({
      needed: 29,
      available: 28,
      message:
        'optimization needs at least 29 distinct cases (20 held out, at least 20; 5 for validation; 4 to train on); the suite has 28',
    });
    expect(attempt(100, MIN_HELDOUT - 1)).toMatchObject({
      code: 'E_OPTIMIZE_TOO_FEW_CASES',
      needed: 26,
    });
    expect(attempt(26, 20)).toBeUndefined();
    expect(attempt(25, 20)).toBeInstanceOf(SplitError);
  });
});
