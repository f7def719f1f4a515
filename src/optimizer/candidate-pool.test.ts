import { describe, expect, it } from 'vitest';
import {
  bestCandidate,
  contenders,
  meanScore,
  paretoFront,
  pickParent,
  type Candidate,
} from './candidate-pool.js';

function candidate(id: string, scores: number[], promptTokens = 10): Candidate {
  return { id, scores: new Map(scores.map((s, i) => [`v${String(i)}`, s])), promptTokens };
}

describe('the candidate pool', () => {
  const a = candidate('a', [1, 0, 0, 0.5]);
  const b = candidate('b', [0, 1, 0, 0.5]);
  const c = candidate('c', [0.5, 0.5, 0, 0.5]);
  const d = candidate('d', [0, 0, 1, 0]);

  it('keeps on the front each candidate best on some case, weighted by how many', () => {
    expect(paretoFront([a, b, c, d]).map((f) => [f.candidate.id, f.weight])).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 1],
      ['d', 1],
    ]);
    const dominated = candidate('e', [0.5, 0, 0, 0]);
    expect(paretoFront([a, dominated]).map((f) => f.candidate.id)).toEqual(['a']);
  });

  it('draws parents from the front in proportion to their weight', () => {
    // a is best on cases 0, 1 (a tie at 0) and 3; d on 1 (the tie) and 2; low is dominated.
    const pool = [a, candidate('low', [0, 0, 0, 0]), d];
    expect(paretoFront(pool).map((f) => [f.candidate.id, f.weight])).toEqual([
      ['a', 3],
      ['d', 2],
    ]);
    expect(pickParent(pool, () => 0).id).toBe('a');
    expect(pickParent(pool, () => 0.59).id).toBe('a');
    expect(pickParent(pool, () => 0.61).id).toBe('d');
    expect(pickParent(pool, () => 0.999).id).toBe('d');
    expect(pickParent([candidate('only', [])], () => 0.5).id).toBe('only');
    expect(() => pickParent([], () => 0)).toThrow(RangeError);
  });

  it('picks the best mean, then the fewer prompt tokens, then the earlier', () => {
    expect(meanScore(a)).toBeCloseTo(0.375, 12);
    expect(meanScore(candidate('none', []))).toBe(0);
    expect(bestCandidate([a, b, c, d]).id).toBe('a');
    expect(bestCandidate([a, candidate('short', [1, 0, 0, 0.5], 5)]).id).toBe('short');
    expect(bestCandidate([a, candidate('twin', [1, 0, 0, 0.5])]).id).toBe('a');
    expect(bestCandidate([d, candidate('better', [0, 0, 1, 1], 99)]).id).toBe('better');
    expect(() => bestCandidate([])).toThrow(RangeError);
  });

  it('keeps as contenders the candidates within one standard error of the best mean', () => {
    const n = (id: string, passes: number, of = 20): Candidate =>
      candidate(
        id,
        Array.from({ length: of }, (_, i) => (i < passes ? 1 : 0)),
      );
    // Best 0.75 of 20: the standard error is √(0.75·0.25/20) ≈ 0.097, so 0.65 is just out.
    const pool = [n('best', 15), n('near', 14), n('edge', 13), n('far', 12), n('tiny', 1)];
    expect(contenders(pool).map((c) => c.id)).toEqual(['best', 'near']);
    // At 100%, the error is at least 1/n.
    expect(
      contenders([n('all', 20), n('one-less', 19), n('two-less', 18)]).map((c) => c.id),
    ).toEqual(['all', 'one-less']);
    expect(contenders([n('a', 5, 4)]).map((c) => c.id)).toEqual(['a']);
    expect(contenders([])).toEqual([]);
  });
});
