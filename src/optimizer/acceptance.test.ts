import { describe, expect, it } from 'vitest';
import { decideAcceptance } from './acceptance.js';

const rule = { alpha: 0.05, margin: 0.05 };
const random = () => 0.5;
const runs = (passes: number[]) => passes.map((p) => [p]);

describe('decideAcceptance', () => {
  it('accepts a gain both significant (exact McNemar, one run a case) and large enough', () => {
    const baseline = runs([...Array<number>(20).fill(0), ...Array<number>(20).fill(1)]);
    const candidate = runs([
      ...Array<number>(10).fill(1),
      ...Array<number>(10).fill(0),
      ...Array<number>(20).fill(1),
    ]);
    const verdict = decideAcceptance(baseline, candidate, rule, { random });
    expect(verdict).toMatchObject({ accepted: true, baselineRate: 0.5, candidateRate: 0.75 });
    expect(verdict.gain).toBeCloseTo(0.25, 12);
    expect(verdict.pValue).toBeCloseTo(1 / 1024, 12);
    expect(verdict.reason).toBe('p=0.001 < 0.05 and gain 0.25 >= 0.05');
  });

  it('refuses a gain chance explains, and says so', () => {
    const baseline = runs([0, 0, 1, 1, 0, 0]);
    const candidate = runs([1, 1, 0, 1, 0, 0]);
    const verdict = decideAcceptance(baseline, candidate, rule, { random });
    expect(verdict.accepted).toBe(false);
    expect(verdict.pValue).toBeCloseTo(0.5, 12);
    expect(verdict.reason).toBe('no improvement proven: p=0.5 >= 0.05 and gain 0.1667 >= 0.05');
  });

  it('refuses a significant gain under the margin', () => {
    const n = 400;
    const baseline = runs(Array<number>(n).fill(0));
    const candidate = runs(Array.from({ length: n }, (_, i) => (i < 12 ? 1 : 0)));
    const verdict = decideAcceptance(baseline, candidate, rule, { random });
    expect(verdict.pValue).toBeLessThan(0.001);
    expect(verdict.accepted).toBe(false);
    expect(verdict.reason).toBe('no improvement proven: p=0.0002 < 0.05 and gain 0.03 < 0.05');
  });

  it('uses a sign-flip test on per-case means with repeats', () => {
    const baseline = Array.from({ length: 10 }, () => [0, 1]);
    const candidate = Array.from({ length: 10 }, () => [1, 1]);
    const verdict = decideAcceptance(baseline, candidate, rule, { random });
    expect(verdict.pValue).toBeCloseTo(1 / 1024, 12);
    expect(verdict).toMatchObject({ accepted: true, baselineRate: 0.5, candidateRate: 1 });
  });

  it('refuses arms that do not pair up', () => {
    expect(() => decideAcceptance([[1]], [[1], [0]], rule, { random })).toThrow(RangeError);
    expect(() => decideAcceptance([], [], rule, { random })).toThrow(RangeError);
  });

  it('with repeats, tests the per-case mean differences (not counts of cases improved)', () => {
    const baseline = [...Array.from({ length: 10 }, () => [0, 0]), [1, 1]];
    const candidate = [...Array.from({ length: 10 }, () => [1, 0]), [0, 0]];
    // The exact sign-flip p over all 2^11 assignments of the differences (ten +0.5, one -1).
    const diffs = [...Array<number>(10).fill(0.5), -1];
    const observed = diffs.reduce((a, b) => a + b, 0);
    let atLeast = 0;
    for (let mask = 0; mask < 2 ** 11; mask += 1) {
      const sum = diffs.reduce((acc, d, i) => acc + ((mask >> i) & 1 ? -d : d), 0);
      if (sum >= observed - 1e-9) atLeast += 1;
    }
    const verdict = decideAcceptance(baseline, candidate, rule, { random });
    expect(verdict.pValue).toBeCloseTo(atLeast / 2 ** 11, 12);
    expect(verdict.gain).toBeCloseTo(4 / 11, 12);
    expect(verdict.baselineRate).toBeCloseTo(1 / 11, 12);
  });

  it('needs p strictly under alpha, and a gain of at least the margin', () => {
    const baseline = runs([...Array<number>(20).fill(0), ...Array<number>(20).fill(1)]);
    const candidate = runs([
      ...Array<number>(10).fill(1),
      ...Array<number>(10).fill(0),
      ...Array<number>(20).fill(1),
    ]);
    expect(
      decideAcceptance(baseline, candidate, { alpha: 1 / 1024, margin: 0.05 }, { random }).accepted,
    ).toBe(false);
    expect(
      decideAcceptance(baseline, candidate, { alpha: 0.05, margin: 0.25 }, { random }).accepted,
    ).toBe(true);
    expect(
      decideAcceptance(baseline, candidate, { alpha: 0.05, margin: 0.26 }, { random }).accepted,
    ).toBe(false);
    // A case with no run counts as 0.
    expect(decideAcceptance([[], [1]], [[1], [1]], rule, { random }).baselineRate).toBe(0.5);
    expect(() => decideAcceptance([[1]], [[1], [0]], rule, { random })).toThrow(
      'held-out arms must pair up: 1 baseline cases, 2 candidate cases',
    );
  });
});
