import { describe, expect, it } from 'vitest';
import { gradingSchema } from '../assertions/assertion-schema.js';
import type { CaseRecord, ResultRecord } from '../store/run-store.js';
import { compareRuns } from './compare-runs.js';
import { distribution, variance } from '../stats/distribution.js';
import { mcnemarExactP, pairedDifferenceInterval } from '../stats/mcnemar.js';
import { passAtK } from '../stats/pass-at-k.js';
import { computeSuiteStatistics } from './suite-statistics.js';

const grading = gradingSchema.parse({});

function caseOf(
  caseId: string,
  workflowId: string,
  caseIndex: number,
  repeatIndex = 0,
): CaseRecord {
  return {
    caseId,
    position: 0,
    workflowId,
    variant: null,
    caseIndex,
    repeatIndex,
    inputs: {},
    query: null,
    reference: null,
  };
}

function resultOf(
  caseId: string,
  workflowId: string,
  extra: Partial<ResultRecord> = {},
): ResultRecord {
  return {
    caseId,
    workflowId,
    variant: null,
    status: 'succeeded',
    difyStatus: 'succeeded',
    outputs: { text: caseId },
    answer: null,
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    queueMs: 0,
    durationMs: 100,
    totalMs: 100,
    difyElapsedMs: 90,
    tokens: 10,
    cost: 0.001,
    workflowRunId: null,
    taskId: null,
    nodes: [],
    finishedAt: 0,
    passed: true,
    score: 1,
    gradeClass: 'excellent',
    grades: [],
    ...extra,
  };
}

describe('distribution', () => {
  it('gives mean, extremes and interpolated percentiles', () => {
    const d = distribution([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(d).toMatchObject({ count: 10, mean: 55, min: 10, max: 100, p50: 55 });
    expect(d?.p90).toBeCloseTo(91);
    expect(d?.p99).toBeCloseTo(99.1);
    expect(distribution([])).toBeUndefined();
  });

  it('gives the sample variance', () => {
    expect(variance([1, 2, 3, 4])).toBeCloseTo(1.6667, 4);
    expect(variance([5])).toBe(0);
  });
});

describe('pass@k', () => {
  it('matches the closed form on known values', () => {
    expect(passAtK(5, 0, 1)).toBe(0);
    expect(passAtK(5, 5, 3)).toBe(1);
    expect(passAtK(4, 2, 1)).toBeCloseTo(0.5);
    // 1 − C(2,2)/C(4,2) = 1 − 1/6
    expect(passAtK(4, 2, 2)).toBeCloseTo(5 / 6);
    expect(passAtK(3, 1, 3)).toBe(1);
    expect(passAtK(3, 1, 4)).toBeNaN();
  });
});

describe("McNemar's exact test and the paired interval", () => {
  it('gives p = 1 for no or balanced discordance, and small p for a lopsided one', () => {
    expect(mcnemarExactP(0, 0)).toBe(1);
    expect(mcnemarExactP(3, 3)).toBe(1);
    // 2 · P(X ≤ 0 | n = 10) = 2 / 1024
    expect(mcnemarExactP(10, 0)).toBeCloseTo(2 / 1024, 6);
    expect(mcnemarExactP(1, 9)).toBeCloseTo((2 * 11) / 1024, 6);
  });

  it('centres the interval on the paired difference', () => {
    const [low, high] = pairedDifferenceInterval(2, 10, 100);
    expect((low + high) / 2).toBeCloseTo(0.08);
    expect(low).toBeGreaterThan(0);
    expect(pairedDifferenceInterval(0, 0, 0)).toEqual([0, 0]);
  });
});

describe('computeSuiteStatistics', () => {
  const cases = [
    caseOf('a0', 'wf', 0, 0),
    caseOf('a1', 'wf', 0, 1),
    caseOf('b0', 'wf', 1, 0),
    caseOf('b1', 'wf', 1, 1),
    caseOf('c0', 'chat', 0, 0),
    caseOf('c1', 'chat', 0, 1),
  ];
  const grade = (name: string, pass: boolean, score = pass ? 1 : 0, errorCode?: string) => ({
    type: 'contains',
    name,
    pass,
    score,
    weight: 1,
    reason: '',
    ...(errorCode === undefined ? {} : { errorCode }),
  });
  const results = [
    resultOf('a0', 'wf', {
      durationMs: 100,
      grades: [grade('x', true)],
      nodes: [
        {
          nodeId: 'llm',
          title: 'LLM',
          nodeType: 'llm',
          status: 'succeeded',
          elapsedMs: 80,
          totalTokens: 7,
          totalPrice: 0.001,
        },
      ],
    }),
    resultOf('a1', 'wf', {
      durationMs: 300,
      passed: false,
      score: 0.5,
      gradeClass: 'poor',
      grades: [grade('x', false, 0.5)],
      nodes: [{ nodeId: 'llm', title: 'LLM', nodeType: 'llm', status: 'failed', elapsedMs: 120 }],
    }),
    resultOf('b0', 'wf', { durationMs: 200, attempts: 3, grades: [grade('x', true)] }),
    resultOf('b1', 'wf', {
      durationMs: 400,
      grades: [grade('x', false, 0, 'E_JUDGE_FAILED')],
      passed: false,
      score: 0,
    }),
    resultOf('c0', 'chat', {
      status: 'failed',
      difyStatus: 'failed',
      passed: false,
      score: 0,
      tokens: null,
      cost: null,
      grades: null,
    }),
    resultOf('c1', 'chat', {
      status: 'cancelled',
      difyStatus: null,
      passed: false,
      score: null,
      durationMs: null,
    }),
  ];
  const stats = computeSuiteStatistics(cases, results, { wallMs: 2000, grading });

  it('counts, pass rate over ended cases, latency, tokens, cost, retries and throughput', () => {
    expect(stats.overall).toMatchObject({
      total: 6,
      byStatus: { succeeded: 4, failed: 1, cancelled: 1 },
      passed: 2,
      passRate: 2 / 5,
      tokens: 50,
      retries: 2,
      wallMs: 2000,
      throughputPerSecond: 2.5,
    });
    expect(stats.overall.cost).toBeCloseTo(0.005);
    expect(stats.overall.latencyMs).toMatchObject({ count: 5, min: 100, max: 400 });
    expect(stats.overall.grade).toBe('poor');
  });

  it('per workflow', () => {
    expect(stats.perWorkflow.wf).toMatchObject({ total: 4, passed: 2, passRate: 0.5 });
    expect(stats.perWorkflow.chat).toMatchObject({ total: 2, passed: 0, passRate: 0 });
  });

  it('per assertion, with the grades that could not be given', () => {
    expect(stats.perAssertion).toEqual([
      {
        name: 'x',
        type: 'contains',
        graded: 4,
        passed: 2,
        passRate: 0.5,
        meanScore: 0.625,
        errors: 1,
      },
    ]);
  });

  it('per Dify node', () => {
    expect(stats.perNode).toEqual([
      expect.objectContaining({
        workflowId: 'wf',
        nodeId: 'llm',
        runs: 2,
        failed: 1,
        tokens: 7,
        cost: 0.001,
      }),
    ]);
    expect(stats.perNode[0]?.elapsedMs).toMatchObject({ mean: 100, min: 80, max: 120 });
  });

  it('with repeats: each case, its score variance, and pass@k', () => {
    expect(stats.repeats?.cases).toEqual([
      { workflowId: 'wf', caseIndex: 0, runs: 2, passed: 1, meanScore: 0.75, scoreVariance: 0.125 },
      { workflowId: 'wf', caseIndex: 1, runs: 2, passed: 1, meanScore: 0.5, scoreVariance: 0.5 },
      { workflowId: 'chat', caseIndex: 0, runs: 1, passed: 0, meanScore: 0, scoreVariance: 0 },
    ]);
    expect(stats.repeats?.passAtK).toEqual([{ k: 1, value: (0.5 + 0.5 + 0) / 3 }]);
  });

  it('counts the grade classes', () => {
    expect(stats.gradeClasses).toEqual({ excellent: 5, good: 0, fair: 0, poor: 1 });
  });

  it('has no repeat statistics without repeats', () => {
    const single = computeSuiteStatistics([caseOf('a0', 'wf', 0)], [resultOf('a0', 'wf')], {
      wallMs: 0,
      grading,
    });
    expect(single.repeats).toBeUndefined();
    expect(single.overall.throughputPerSecond).toBe(0);
    expect(single.overall.grade).toBe('excellent');
  });
});

describe('compareRuns', () => {
  it('pairs cases by id: regressed, improved, changed, added and removed', () => {
    const base = [
      resultOf('a', 'wf', { passed: true }),
      resultOf('b', 'wf', { passed: false }),
      resultOf('c', 'wf', { passed: true, outputs: { text: 'old' } }),
      resultOf('gone', 'wf'),
    ];
    const head = [
      resultOf('a', 'wf', { passed: false, durationMs: 300, cost: 0.002 }),
      resultOf('b', 'wf', { passed: true }),
      resultOf('c', 'wf', { passed: true, outputs: { text: 'new' } }),
      resultOf('new', 'wf'),
    ];
    const c = compareRuns({ runId: 'r1', results: base }, { runId: 'r2', results: head });
    expect(c.paired).toBe(3);
    expect(c.regressed.map((x) => x.caseId)).toEqual(['a']);
    expect(c.improved.map((x) => x.caseId)).toEqual(['b']);
    expect(c.changed.map((x) => x.caseId)).toEqual(['c']);
    expect(c).toMatchObject({ added: 1, removed: 1, passRateDelta: 0, pValue: 1 });
    expect(c.basePassRate).toBe(0.75);
    expect(c.headPassRate).toBe(0.75);
    expect(c.latencyMs.headP95).toBeGreaterThan(c.latencyMs.baseP95 ?? 0);
    expect(c.cost.head).toBeCloseTo(0.005);
  });
});
