import { gradingSchema } from '../assertions/assertion-schema.js';
import { asObject } from '../core/json-value.js';
import { RunNotFoundError } from '../run/run-not-found-error.js';
import type { CaseRecord, ResultRecord, RunRecord, RunStore } from '../store/run-store.js';
import { compareRuns, type RunComparison } from './compare-runs.js';
import { computeSuiteStatistics, type SuiteStatistics } from './suite-statistics.js';

/** Everything every report format shows about one run, read from the run store. */
export interface RunReport {
  readonly run: RunRecord;
  /** The run's cases, in order. */
  readonly cases: readonly CaseRecord[];
  /** The stored results, in case order. */
  readonly results: readonly ResultRecord[];
  readonly statistics: SuiteStatistics;
  /** With the previous run of the same configuration (or the one asked for), if any. */
  readonly comparison: RunComparison | undefined;
  readonly generatedAt: number;
}

/**
 * Reads a run and computes its statistics and its comparison with a base run: `compareWith`,
 * else the previous run of the same configuration file (none with `compareWith: false`).
 * @throws RunNotFoundError (`E_RUN_NOT_FOUND`)
 */
export function loadRunReport(
  store: RunStore,
  runId: string,
  options: { readonly compareWith?: string | false; readonly now?: () => number } = {},
): RunReport {
  const run = store.getRun(runId);
  if (run === undefined) throw new RunNotFoundError(runId);
  const cases = store.cases(runId);
  const results = [...store.results(runId)];
  const grading = gradingSchema.parse(asObject(asObject(run.config)?.grading) ?? {});
  const wallMs = (run.finishedAt ?? run.updatedAt) - run.createdAt;
  const statistics = computeSuiteStatistics(cases, results, { wallMs, grading });
  let base: RunRecord | undefined;
  if (options.compareWith !== false) {
    base =
      options.compareWith === undefined
        ? store.previousRun(runId)
        : store.getRun(options.compareWith);
    if (options.compareWith !== undefined && base === undefined)
      throw new RunNotFoundError(options.compareWith);
  }
  const comparison =
    base === undefined
      ? undefined
      : compareRuns({ runId: base.id, results: store.results(base.id) }, { runId, results });
  return { run, cases, results, statistics, comparison, generatedAt: (options.now ?? Date.now)() };
}
