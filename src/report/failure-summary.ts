import { asArray, asObject } from '../core/json-value.js';
import { resultPassed } from '../store/result-facts.js';
import type { ResultRecord } from '../store/run-store.js';
import { failureReasons } from './report-rows.js';

/** One cause of failure, how many cases it took, and the first of them with its reason. */
export interface FailureGroup {
  readonly cause: string;
  readonly count: number;
  readonly examples: readonly {
    readonly caseId: string;
    readonly workflowId: string;
    readonly variant: string | null;
    readonly reason: string;
  }[];
}

/** A failure's cause, to group by: the error's code, or the names of the failed assertions. */
function causeOf(result: ResultRecord): string {
  if (result.errorCode !== null) return `${result.status}: ${result.errorCode}`;
  const failed = asArray(result.grades)
    .map((g) => asObject(g) ?? {})
    .filter((g) => g.pass !== true)
    .map((g) =>
      typeof g.name === 'string' ? g.name : typeof g.type === 'string' ? g.type : 'assertion',
    );
  if (failed.length > 0) return `assertion ${failed.join(', ')} failed`;
  return result.status === 'succeeded' ? 'not passed' : result.status;
}

/**
 * The results that did not pass, grouped by cause (an error's code, the failed assertions),
 * the largest group first, each with its first `examples` cases and their reasons.
 */
export function failureGroups(
  results: Iterable<ResultRecord>,
  options: { readonly examples?: number } = {},
): FailureGroup[] {
  const keep = options.examples ?? 2;
  const groups = new Map<string, { count: number; examples: FailureGroup['examples'][number][] }>();
  for (const result of results) {
    if (resultPassed(result)) continue;
    const cause = causeOf(result);
    const group = groups.get(cause) ?? { count: 0, examples: [] };
    group.count += 1;
    if (group.examples.length < keep)
      group.examples.push({
        caseId: result.caseId,
        workflowId: result.workflowId,
        variant: result.variant,
        reason: failureReasons(result).join('; ') || result.status,
      });
    groups.set(cause, group);
  }
  return [...groups.entries()]
    .map(([cause, g]) => ({ cause, count: g.count, examples: g.examples }))
    .sort((a, b) => b.count - a.count);
}

/** The failure summary a run prints: at most `groups` causes, then the command for them all. */
export function failureLines(
  groups: readonly FailureGroup[],
  options: { readonly runId: string; readonly store: string; readonly groups?: number },
): string[] {
  if (groups.length === 0) return [];
  const total = groups.reduce((n, g) => n + g.count, 0);
  const shown = groups.slice(0, options.groups ?? 5);
  const lines = [`failures: ${String(total)}`];
  for (const group of shown) {
    lines.push(`  ${String(group.count)} × ${group.cause}`);
    for (const e of group.examples) {
      const reason = e.reason.length > 160 ? `${e.reason.slice(0, 160)}…` : e.reason;
      lines.push(`      ${e.caseId}${e.variant === null ? '' : ` [${e.variant}]`}: ${reason}`);
    }
  }
  if (groups.length > shown.length)
    lines.push(`  … and ${String(groups.length - shown.length)} more causes`);
  lines.push(`  all of them: dify-autoopt runs show ${options.runId} --store ${options.store}`);
  return lines;
}
