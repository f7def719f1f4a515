import type { Config } from '../config/config-schema.js';
import { redactUrl } from '../core/redact-url.js';
import { seconds } from './progress-display.js';
import type { RunReport } from '../report/run-report.js';
import { variantLines } from '../report/variant-lines.js';
import type { SuiteSummary } from '../run/run-suite.js';
import { cleanCommandLine } from '../run/sandbox.js';

/** The grading part of the summary: per assertion, the grade classes, pass@k. */
function formatGrading(report: RunReport): string[] {
  const { statistics } = report;
  const lines = [`  grade      ${statistics.overall.grade}`];
  for (const a of statistics.perAssertion)
    lines.push(
      `  assert     ${a.name}: ${a.passed}/${a.graded} passed, mean score ${a.meanScore.toFixed(2)}${a.errors > 0 ? `, ${a.errors} could not be graded` : ''}`,
    );
  lines.push(...variantLines(statistics.variants));
  if (statistics.repeats !== undefined)
    lines.push(
      `  pass@k     ${statistics.repeats.passAtK.map((p) => `@${p.k} ${(p.value * 100).toFixed(1)}%`).join(', ')}`,
    );
  return lines;
}

/**
 * The run's summary as lines: status, counts, pass rate per workflow, tokens and cost, wall time,
 * the judge's calls; when graded (`report` given), per assertion, the variants side by side and
 * pass@k; then the report files.
 */
export function summaryLines(
  summary: SuiteSummary,
  report: RunReport | undefined,
  files: readonly string[],
): string[] {
  const counts =
    Object.entries(summary.byStatus)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || 'nothing ran';
  const lines = [
    `run ${summary.runId}: ${summary.status}${summary.reason === undefined ? '' : ` (${summary.reason})`}`,
    `  cases      ${summary.total}: ${counts}`,
    `  pass rate  ${(summary.passRate * 100).toFixed(1)}%`,
    ...Object.entries(summary.perWorkflow).map(
      ([workflow, w]) => `  ${workflow}: ${w.passed}/${w.total} passed`,
    ),
    `  tokens     ${summary.totalTokens}, cost ${summary.totalCost.toFixed(6)}`,
    `  wall time  ${seconds(summary.wallMs)}`,
  ];
  if (summary.judge !== undefined)
    lines.push(
      `  judge      ${summary.judge.calls} calls, ${summary.judge.cached} from the cache, ${summary.judge.failed} failed`,
    );
  if (report !== undefined) lines.push(...formatGrading(report));
  for (const file of files) lines.push(`  report     ${file}`);
  return lines;
}

/** Whether a configuration grades its cases beyond Dify's success (assertions or variants). */
export function isGraded(config: Config): boolean {
  return (
    config.default_assert.length > 0 ||
    config.workflows.some((w) => w.assert.length > 0 || w.variants !== undefined)
  );
}

/**
 * What to say on standard error when a run ended: why it stopped, how to resume, the sandboxes
 * kept, what did not pass; and the run's exit code, as a test tool's: 0 every case passed (or
 * the pass rate met `--fail-under`), 1 some case failed or errored (under `--fail-under`, or a
 * run Dify stopped), 3 nothing ran (no case, or a filter that matched none), 130 interrupted.
 */
export function ending(
  summary: SuiteSummary,
  options: {
    readonly config: string;
    readonly failUnder?: number | undefined;
    readonly simulated: boolean;
    /** A distributed run's Redis: its resume goes through the queue too. */
    readonly queue?: string | undefined;
  },
): { readonly lines: string[]; readonly code: number } {
  const lines: string[] = [];
  if (summary.status === 'stopped')
    lines.push(`run stopped: ${summary.reason ?? 'no reason given'}`);
  if (summary.status === 'interrupted' || summary.status === 'stopped') {
    const queue = options.queue === undefined ? '' : ` --queue ${redactUrl(options.queue)}`;
    lines.push(
      `resume with: dify-autoopt run -c ${options.config} --resume ${summary.runId}${queue}`,
    );
    for (const sandbox of summary.sandboxes)
      lines.push(`sandbox app ${sandbox.appId} (${sandbox.name}) kept for --resume`);
    if (summary.sandboxes.length > 0 && !options.simulated)
      lines.push(`delete it with: ${cleanCommandLine(summary.runId, options.config)}`);
  }
  if (summary.status === 'interrupted') return { lines, code: RUN_EXIT.interrupted };
  if (summary.status === 'stopped') return { lines, code: RUN_EXIT.failed };
  if (summary.total === 0) {
    lines.push('nothing ran: the configuration (or --filter) gives no case');
    return { lines, code: RUN_EXIT.nothingRan };
  }
  if (options.failUnder !== undefined) {
    if (summary.passRate >= options.failUnder) return { lines, code: RUN_EXIT.passed };
    lines.push(
      `pass rate ${(summary.passRate * 100).toFixed(1)}% is under --fail-under ${(options.failUnder * 100).toFixed(1)}%`,
    );
    return { lines, code: RUN_EXIT.failed };
  }
  const notPassed = summary.total - summary.passed;
  if (notPassed === 0) return { lines, code: RUN_EXIT.passed };
  lines.push(
    `${String(notPassed)} of ${String(summary.total)} cases did not pass (exit 1; --fail-under sets a pass rate to accept)`,
  );
  return { lines, code: RUN_EXIT.failed };
}

/** The exit codes of `run`. */
export const RUN_EXIT = {
  passed: 0,
  failed: 1,
  badInput: 2,
  nothingRan: 3,
  interrupted: 130,
} as const;
