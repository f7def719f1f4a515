import type { GradingConfig } from '../assertions/assertion-schema.js';
import { classify, type GradeClass } from '../assertions/grade-class.js';
import { asArray, asObject, asString } from '../core/json-value.js';
import { answeredLatencyMs, hasEnded, resultPassed } from '../store/result-facts.js';
import type { CaseRecord, ResultRecord } from '../store/run-store.js';
import { distribution, variance, type Distribution } from '../stats/distribution.js';
import { passAtK } from '../stats/pass-at-k.js';
import { VariantComparison, type VariantStatistics } from './variant-comparison.js';

/** Counts, pass rate, latency, tokens, cost and retries of a group of results. */
export interface GroupStatistics {
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly passed: number;
  /** Passed out of the results that ended (cancelled ones are not counted), 0..1. */
  readonly passRate: number;
  /** Of the cases whose Dify run answered. */
  readonly latencyMs: Distribution | undefined;
  readonly tokens: number;
  readonly cost: number;
  /** Attempts beyond each case's first. */
  readonly retries: number;
  readonly grade: GradeClass;
}

/** How one assertion fared over the run. */
export interface AssertionStatistics {
  readonly name: string;
  readonly type: string;
  readonly graded: number;
  readonly passed: number;
  readonly passRate: number;
  readonly meanScore: number;
  /** Grades that could not be given (a judge that failed, a throwing expression). */
  readonly errors: number;
}

/** One Dify node over the run, from the streamed node events. */
export interface NodeStatistics {
  readonly workflowId: string;
  readonly nodeId: string;
  readonly title: string;
  readonly nodeType: string;
  readonly runs: number;
  readonly failed: number;
  readonly elapsedMs: Distribution | undefined;
  readonly tokens: number;
  readonly cost: number;
}

/** One case run `repeat` times. */
export interface RepeatStatistics {
  readonly workflowId: string;
  readonly caseIndex: number;
  readonly runs: number;
  readonly passed: number;
  readonly meanScore: number;
  readonly scoreVariance: number;
}

/** Everything a report shows about a run, computed from its stored results. */
export interface SuiteStatistics {
  readonly overall: GroupStatistics & {
    /** Cases ended per second of the run's wall time. */
    readonly throughputPerSecond: number;
    readonly wallMs: number;
  };
  readonly perWorkflow: Readonly<Record<string, GroupStatistics>>;
  readonly perAssertion: readonly AssertionStatistics[];
  readonly perNode: readonly NodeStatistics[];
  /** With `repeat`: each repeated case, and pass@k over them for k = 1 … the fewest runs. */
  readonly repeats:
    | {
        readonly cases: readonly RepeatStatistics[];
        readonly passAtK: readonly { readonly k: number; readonly value: number }[];
      }
    | undefined;
  /** How many cases got each grade class. */
  readonly gradeClasses: Readonly<Record<GradeClass, number>>;
  /** With prompt variants: each workflow's variants side by side (empty without). */
  readonly variants: readonly VariantStatistics[];
}

/** One assertion's running counts over a run. */
interface AssertionTally {
  type: string;
  graded: number;
  passed: number;
  score: number;
  errors: number;
}

class GroupAccumulator {
  total = 0;
  passed = 0;
  ended = 0;
  tokens = 0;
  cost = 0;
  retries = 0;
  readonly byStatus: Record<string, number> = {};
  readonly latencies: number[] = [];

  add(result: ResultRecord): void {
    this.total += 1;
    this.byStatus[result.status] = (this.byStatus[result.status] ?? 0) + 1;
    if (hasEnded(result)) this.ended += 1;
    if (resultPassed(result)) this.passed += 1;
    this.tokens += result.tokens ?? 0;
    this.cost += result.cost ?? 0;
    this.retries += Math.max(0, result.attempts - 1);
    const latency = answeredLatencyMs(result);
    if (latency !== undefined) this.latencies.push(latency);
  }

  finish(grading: GradingConfig): GroupStatistics {
    const passRate = this.ended === 0 ? 0 : this.passed / this.ended;
    const latencyMs = distribution(this.latencies);
    return {
      total: this.total,
      byStatus: { ...this.byStatus },
      passed: this.passed,
      passRate,
      latencyMs,
      tokens: this.tokens,
      cost: this.cost,
      retries: this.retries,
      grade: classify(passRate, latencyMs?.p90, grading),
    };
  }
}

function addGrades(result: ResultRecord, into: Map<string, AssertionTally>): void {
  for (const item of asArray(result.grades)) {
    const grade = asObject(item);
    if (grade === undefined) continue;
    const name = asString(grade.name) ?? 'assertion';
    const entry = into.get(name) ?? {
      type: asString(grade.type) ?? name,
      graded: 0,
      passed: 0,
      score: 0,
      errors: 0,
    };
    entry.graded += 1;
    if (grade.pass === true) entry.passed += 1;
    entry.score += typeof grade.score === 'number' ? grade.score : 0;
    if (typeof grade.errorCode === 'string') entry.errors += 1;
    into.set(name, entry);
  }
}

interface NodeEntry {
  workflowId: string;
  nodeId: string;
  title: string;
  nodeType: string;
  runs: number;
  failed: number;
  elapsed: number[];
  tokens: number;
  cost: number;
}

function addNodes(result: ResultRecord, into: Map<string, NodeEntry>): void {
  for (const item of asArray(result.nodes)) {
    const node = asObject(item);
    const nodeId = asString(node?.nodeId);
    if (node === undefined || nodeId === undefined) continue;
    const key = `${result.workflowId}\u0000${nodeId}`;
    let entry = into.get(key);
    if (entry === undefined) {
      entry = {
        workflowId: result.workflowId,
        nodeId,
        title: asString(node.title) ?? nodeId,
        nodeType: asString(node.nodeType) ?? '',
        runs: 0,
        failed: 0,
        elapsed: [],
        tokens: 0,
        cost: 0,
      };
      into.set(key, entry);
    }
    entry.runs += 1;
    if (node.status !== 'succeeded') entry.failed += 1;
    if (typeof node.elapsedMs === 'number') entry.elapsed.push(node.elapsedMs);
    if (typeof node.totalTokens === 'number') entry.tokens += node.totalTokens;
    if (typeof node.totalPrice === 'number') entry.cost += node.totalPrice;
  }
}

/**
 * Computes a run's statistics from its cases and stored results: overall, per workflow, per
 * assertion, per Dify node, and for repeated cases their variance and pass@k.
 */
export function computeSuiteStatistics(
  cases: readonly CaseRecord[],
  results: Iterable<ResultRecord>,
  options: { readonly wallMs: number; readonly grading: GradingConfig },
): SuiteStatistics {
  const overall = new GroupAccumulator();
  const workflows = new Map<string, GroupAccumulator>();
  const assertions = new Map<string, AssertionTally>();
  const nodes = new Map<string, NodeEntry>();
  const byCase = new Map(cases.map((c) => [c.caseId, c]));
  const repeated = new Map<
    string,
    { workflowId: string; caseIndex: number; scores: number[]; passed: number }
  >();
  const gradeClasses: Record<GradeClass, number> = { excellent: 0, good: 0, fair: 0, poor: 0 };
  const variants = new VariantComparison(cases);
  let repeats = false;
  for (const result of results) {
    overall.add(result);
    variants.add(result);
    let group = workflows.get(result.workflowId);
    if (group === undefined) {
      group = new GroupAccumulator();
      workflows.set(result.workflowId, group);
    }
    group.add(result);
    addGrades(result, assertions);
    addNodes(result, nodes);
    if (result.gradeClass !== null && result.gradeClass in gradeClasses)
      gradeClasses[result.gradeClass as GradeClass] += 1;
    const c = byCase.get(result.caseId);
    if (c !== undefined && hasEnded(result)) {
      if (c.repeatIndex > 0) repeats = true;
      const key = `${c.workflowId}\u0000${c.variant ?? ''}\u0000${String(c.caseIndex)}`;
      const entry = repeated.get(key) ?? {
        workflowId: c.workflowId,
        caseIndex: c.caseIndex,
        scores: [],
        passed: 0,
      };
      entry.scores.push(result.score ?? (result.status === 'succeeded' ? 1 : 0));
      if (resultPassed(result)) entry.passed += 1;
      repeated.set(key, entry);
    }
  }
  const base = overall.finish(options.grading);
  return {
    overall: {
      ...base,
      wallMs: options.wallMs,
      throughputPerSecond: options.wallMs > 0 ? (overall.ended * 1000) / options.wallMs : 0,
    },
    perWorkflow: Object.fromEntries(
      [...workflows].map(([id, group]) => [id, group.finish(options.grading)]),
    ),
    perAssertion: [...assertions].map(([name, entry]) => ({
      name,
      type: entry.type,
      graded: entry.graded,
      passed: entry.passed,
      passRate: entry.graded === 0 ? 0 : entry.passed / entry.graded,
      meanScore: entry.graded === 0 ? 0 : entry.score / entry.graded,
      errors: entry.errors,
    })),
    perNode: [...nodes.values()].map((entry) => ({
      workflowId: entry.workflowId,
      nodeId: entry.nodeId,
      title: entry.title,
      nodeType: entry.nodeType,
      runs: entry.runs,
      failed: entry.failed,
      elapsedMs: distribution(entry.elapsed),
      tokens: entry.tokens,
      cost: entry.cost,
    })),
    repeats: repeats ? repeatStatistics([...repeated.values()]) : undefined,
    gradeClasses,
    variants: variants.finish(),
  };
}

function repeatStatistics(
  entries: readonly { workflowId: string; caseIndex: number; scores: number[]; passed: number }[],
): NonNullable<SuiteStatistics['repeats']> {
  const cases = entries.map((entry) => ({
    workflowId: entry.workflowId,
    caseIndex: entry.caseIndex,
    runs: entry.scores.length,
    passed: entry.passed,
    meanScore: entry.scores.reduce((a, b) => a + b, 0) / entry.scores.length,
    scoreVariance: variance(entry.scores),
  }));
  const fewest = cases.reduce((least, c) => Math.min(least, c.runs), Number.POSITIVE_INFINITY);
  const ks = [...new Set([1, Math.min(2, fewest), Math.min(3, fewest), fewest])].filter(
    (k) => k >= 1,
  );
  return {
    cases,
    passAtK: ks.map((k) => ({
      k,
      value: cases.reduce((sum, c) => sum + passAtK(c.runs, c.passed, k), 0) / cases.length,
    })),
  };
}
