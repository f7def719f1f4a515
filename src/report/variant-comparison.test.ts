import { describe, expect, it } from 'vitest';
import { aCase, aResult } from '../../test/support/records.js';
import type { CaseRecord, ResultRecord } from '../store/run-store.js';
import { VariantComparison } from './variant-comparison.js';
import { variantLines } from './variant-lines.js';

function caseOf(
  workflowId: string,
  variant: string | null,
  caseIndex: number,
  repeatIndex = 0,
): CaseRecord {
  const caseId = `${workflowId}:${variant ?? '-'}:${String(caseIndex)}:${String(repeatIndex)}`;
  return aCase(caseId, { workflowId, variant, caseIndex, repeatIndex });
}

function resultOf(c: CaseRecord, passed: boolean, extra: Partial<ResultRecord> = {}): ResultRecord {
  return aResult(c.caseId, {
    workflowId: c.workflowId,
    variant: c.variant,
    durationMs: 100,
    tokens: 10,
    cost: 0.01,
    passed,
    score: passed ? 1 : 0,
    ...extra,
  });
}

function compare(cases: CaseRecord[], results: ResultRecord[]) {
  const comparison = new VariantComparison(cases);
  for (const r of results) comparison.add(r);
  return comparison.finish();
}

describe('VariantComparison', () => {
  it('is empty for a run without variants', () => {
    const c = caseOf('wf', null, 1);
    expect(compare([c], [resultOf(c, true)])).toEqual([]);
  });

  it('pairs each variant with the first by case index and repeat: flips, McNemar p, interval, totals', () => {
    const base = [1, 2, 3, 4, 5, 6].map((i) => caseOf('wf', 'a', i));
    const head = [1, 2, 3, 4, 5, 6].map((i) => caseOf('wf', 'b', i));
    const results = [
      ...base.map((c, i) => resultOf(c, i === 0)), // a passes case 1 only
      ...head.map((c, i) => resultOf(c, i !== 0, { durationMs: 200 })), // b passes 2..6
    ];
    const [a, b] = compare([...base, ...head], results);
    expect(a).toMatchObject({
      workflowId: 'wf',
      variant: 'a',
      ended: 6,
      passed: 1,
      vsFirst: undefined,
      tokens: 60,
    });
    expect(a?.cost).toBeCloseTo(0.06, 10);
    expect(a?.latencyMs?.p50).toBe(100);
    expect(b).toMatchObject({ variant: 'b', ended: 6, passed: 5 });
    expect(b?.passRate).toBeCloseTo(5 / 6, 10);
    expect(b?.latencyMs?.p50).toBe(200);
    expect(b?.vsFirst?.pValue).toBeCloseTo(14 / 64, 10);
    expect(b?.vsFirst).toEqual({
      baseline: 'a',
      pairs: 6,
      pValue: b?.vsFirst?.pValue,
      toPass: ['wf:b:2:0', 'wf:b:3:0', 'wf:b:4:0', 'wf:b:5:0', 'wf:b:6:0'],
      toFail: ['wf:b:1:0'],
    });
    expect(b?.interval[0]).toBeCloseTo(0.4365, 3);
    expect(b?.interval[1]).toBeCloseTo(0.9699, 3);
  });

  it('counts only ended cases in the pass rate and the pairs, and keeps workflows apart', () => {
    const a1 = caseOf('x', 'a', 1);
    const a2 = caseOf('x', 'a', 2);
    const b1 = caseOf('x', 'b', 1);
    const b2 = caseOf('x', 'b', 2);
    const y = caseOf('y', 'only', 1);
    const results = [
      resultOf(a1, true),
      resultOf(a2, true),
      resultOf(b1, false),
      resultOf(b2, false, { status: 'cancelled', passed: null, difyStatus: null }),
      resultOf(y, true),
    ];
    const stats = compare([a1, a2, b1, b2, y], results);
    expect(stats.map((v) => [v.workflowId, v.variant, v.ended, v.passed])).toEqual([
      ['x', 'a', 2, 2],
      ['x', 'b', 1, 0],
      ['y', 'only', 1, 1],
    ]);
    expect(stats[1]?.vsFirst).toMatchObject({ pairs: 1, toFail: ['x:b:1:0'], toPass: [] });
    expect(stats[1]?.latencyMs?.count).toBe(1);
    expect(stats[2]?.vsFirst).toBeUndefined();
  });

  it('has no latency for a variant Dify never answered, and an honest interval for no case', () => {
    const c = caseOf('wf', 'a', 1);
    const [a] = compare([c], [resultOf(c, false, { status: 'error', difyStatus: null })]);
    expect(a?.latencyMs).toBeUndefined();
    const [none] = compare([c], []);
    expect(none).toMatchObject({ ended: 0, passRate: 0, interval: [0, 1] });
  });
});

describe('VariantComparison pairs', () => {
  it('flips nothing where both agree, pairs only cases both ended, ignores results of no variant', () => {
    const a = [1, 2, 3].map((i) => caseOf('wf', 'a', i));
    const b = [1, 2, 4].map((i) => caseOf('wf', 'b', i));
    const plain = caseOf('wf', null, 9);
    const [, vb] = compare(
      [...a, ...b, plain],
      [
        resultOf(a[0] as CaseRecord, true),
        resultOf(a[1] as CaseRecord, false),
        resultOf(a[2] as CaseRecord, true),
        resultOf(b[0] as CaseRecord, true),
        resultOf(b[1] as CaseRecord, false),
        resultOf(b[2] as CaseRecord, false),
        resultOf(plain, true, { variant: null }),
      ],
    );
    expect(vb?.vsFirst).toMatchObject({ pairs: 2, toPass: [], toFail: [], pValue: 1 });
    expect(vb).toMatchObject({ ended: 3, passed: 1 });
  });

  it('pairs repeats by their repeat index', () => {
    const a = [0, 1].map((r) => caseOf('wf', 'a', 1, r));
    const b = [0, 1].map((r) => caseOf('wf', 'b', 1, r));
    const [, vb] = compare(
      [...a, ...b],
      [
        resultOf(a[0] as CaseRecord, true),
        resultOf(a[1] as CaseRecord, false),
        resultOf(b[0] as CaseRecord, false),
        resultOf(b[1] as CaseRecord, true),
      ],
    );
    expect(vb?.vsFirst).toMatchObject({ pairs: 2, toPass: ['wf:b:1:1'], toFail: ['wf:b:1:0'] });
  });
});

describe('variantLines', () => {
  it('says each variant side by side under its workflow', () => {
    const base = [1, 2].map((i) => caseOf('wf', 'current', i));
    const head = [1, 2].map((i) => caseOf('wf', 'polite', i));
    const lines = variantLines(
      compare(
        [...base, ...head],
        [...base.map((c) => resultOf(c, false)), ...head.map((c) => resultOf(c, true))],
      ),
    );
    expect(lines).toEqual([
      '  variants of wf:',
      '    current  0/2 passed 0.0% (95% CI 0.0%–65.8%)  baseline  tokens 20, p50 100 ms, cost 0.020000',
      '    polite   2/2 passed 100.0% (95% CI 34.2%–100.0%)  vs current: p=0.500, 2 now pass, 0 now fail  tokens 20, p50 100 ms, cost 0.020000',
    ]);
    expect(variantLines([])).toEqual([]);
  });
});
