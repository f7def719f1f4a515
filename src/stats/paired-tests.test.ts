import { describe, expect, it } from 'vitest';
import { mcnemarOneSidedP, signFlipP } from './paired-tests.js';

/** A seeded uniform source for the tests (an LCG: stats/ imports nothing). */
function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

describe('mcnemarOneSidedP', () => {
  it('is the upper binomial tail of the improvements among the discordant pairs', () => {
    expect(mcnemarOneSidedP(0, 0)).toBe(1);
    expect(mcnemarOneSidedP(0, 5)).toBeCloseTo(1 / 32, 12);
    expect(mcnemarOneSidedP(1, 9)).toBeCloseTo(11 / 1024, 12);
    expect(mcnemarOneSidedP(2, 8)).toBeCloseTo(56 / 1024, 12);
  });

  it('is large when the new arm does not lead', () => {
    expect(mcnemarOneSidedP(5, 5)).toBeCloseTo(638 / 1024, 12);
    expect(mcnemarOneSidedP(9, 1)).toBeCloseTo(1 - 1 / 1024, 12);
    expect(mcnemarOneSidedP(3, 0)).toBe(1);
  });
});

describe('signFlipP', () => {
  const random = createSeededRandom(7);

  it('counts every sign assignment exactly for a few differences', () => {
    // Four equal gains: only the assignment with every sign kept reaches the observed sum.
    expect(signFlipP([0.5, 0.5, 0.5, 0.5], { random })).toBeCloseTo(1 / 16, 12);
    // Zero differences do not count.
    expect(signFlipP([1, 0, 0, 1], { random })).toBeCloseTo(1 / 4, 12);
    expect(signFlipP([0, 0], { random })).toBe(1);
    expect(signFlipP([1, -1], { random })).toBeCloseTo(3 / 4, 12);
    expect(signFlipP([-1, -1], { random })).toBe(1);
  });

  it('agrees with the exact McNemar tail when each case runs once', () => {
    const differences = [...Array<number>(9).fill(1), -1];
    expect(signFlipP(differences, { random })).toBeCloseTo(mcnemarOneSidedP(1, 9), 12);
  });

  it('draws assignments at random past 16 differences, never giving 0', () => {
    const strong = signFlipP(Array<number>(30).fill(0.5), {
      random: createSeededRandom(1),
      draws: 2000,
    });
    expect(strong).toBeCloseTo(1 / 2001, 12);
    const none = signFlipP(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.5 : -0.5)),
      { random: createSeededRandom(2), draws: 4000 },
    );
    expect(none).toBeGreaterThan(0.4);
    expect(none).toBeLessThan(0.7);
  });
});
