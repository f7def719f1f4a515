import { resolve } from 'node:path';
import { failureReasons } from '../report/report-rows.js';
import { VariantComparison } from '../report/variant-comparison.js';
import { variantLines } from '../report/variant-lines.js';
import { cleanCommandLine } from '../run/sandbox.js';
import { resultPassed } from '../store/result-facts.js';
import { RunStore } from '../store/run-store.js';

/** `dify-autoopt runs list`: the latest runs, one line each. */
export function listRuns(storePath: string, out: (line: string) => void): void {
  const store = RunStore.open(resolve(storePath), { readonly: true });
  try {
    const runs = store.listRuns();
    if (runs.length === 0) out('no runs yet');
    for (const run of runs) {
      const byStatus = store.countByStatus(run.id);
      const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
      // The graded verdict first, then what Dify said of the runs: the words `run` prints.
      const dify = Object.entries(byStatus)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ');
      const results =
        total === 0 ? 'no results' : `passed ${store.passedCount(run.id)}/${total}  Dify: ${dify}`;
      out(
        `${run.id}  ${new Date(run.createdAt).toISOString()}  ${run.status.padEnd(11)}  ${results}`,
      );
    }
  } finally {
    store.close();
  }
}

/** `dify-autoopt runs show <id>`: a run, its configuration file and its results. */
export function showRun(storePath: string, runId: string, out: (line: string) => void): boolean {
  const store = RunStore.open(resolve(storePath), { readonly: true });
  try {
    const run = store.getRun(runId);
    if (run === undefined) return false;
    out(`run ${run.id}`);
    out(`  status   ${run.status}${run.statusReason === null ? '' : ` (${run.statusReason})`}`);
    out(`  started  ${new Date(run.createdAt).toISOString()}`);
    if (run.finishedAt !== null) out(`  ended    ${new Date(run.finishedAt).toISOString()}`);
    out(`  config   ${run.configFile ?? '—'}`);
    out(
      `  results  ${
        Object.entries(store.countByStatus(run.id))
          .map(([s, n]) => `${s} ${n}`)
          .join(', ') || 'none'
      }`,
    );
    out(`  passed   ${store.passedCount(run.id)} of ${store.caseCount(run.id)}`);
    const sandboxes = store.sandboxes(run.id).filter((s) => s.deletedAt === null);
    for (const sandbox of sandboxes)
      out(
        `  sandbox  app ${sandbox.appId} (${sandbox.name}) still in the console: ${cleanCommandLine(run.id, run.configFile ?? '<config>')}`,
      );
    const cases = store.cases(run.id);
    if (cases.some((c) => c.variant !== null)) {
      const comparison = new VariantComparison(cases);
      for (const result of store.results(run.id)) comparison.add(result);
      for (const line of variantLines(comparison.finish())) out(line);
    }
    for (const result of store.results(run.id)) {
      const passed = resultPassed(result);
      const verdict = result.status === 'succeeded' ? (passed ? 'pass' : 'FAIL') : result.status;
      const score = result.score === null ? '' : `  score ${result.score.toFixed(2)}`;
      const ms = result.durationMs === null ? '' : `  ${Math.round(result.durationMs)} ms`;
      const reasons = passed ? [] : failureReasons(result);
      const variant = result.variant === null ? '' : ` [${result.variant}]`;
      const delivered =
        (result.deliveries ?? 1) > 1 ? ` (delivered ${String(result.deliveries)}×)` : '';
      const worker =
        (result.worker ?? null) === null ? '' : `  on ${String(result.worker)}${delivered}`;
      out(
        `  ${verdict.padEnd(9)} ${result.caseId}${variant}${worker}${ms}${score}${reasons.length === 0 ? '' : `  ${reasons.join('; ')}`}`,
      );
    }
    return true;
  } finally {
    store.close();
  }
}

/**
 * `runs delete <id>…` and `runs prune --keep N`: deletes runs from the store, the oldest first
 * for prune; a run that left a sandbox copy in the console is kept (its record is what `runs
 * clean` deletes it by). Returns the lines to print and whether every named run was found.
 */
export function deleteRuns(
  storePath: string,
  which: { readonly ids: readonly string[] } | { readonly keep: number },
): { readonly lines: string[]; readonly ok: boolean } {
  const store = RunStore.open(resolve(storePath));
  try {
    const runs =
      'ids' in which
        ? which.ids.map((id) => store.getRun(id) ?? id)
        : store.listRuns(Number.MAX_SAFE_INTEGER).slice(which.keep);
    const lines: string[] = [];
    let ok = true;
    for (const run of runs) {
      if (typeof run === 'string') {
        lines.push(`no run ${run} in the run store`);
        ok = false;
        continue;
      }
      if (store.sandboxes(run.id).some((s) => s.deletedAt === null)) {
        lines.push(
          `kept run ${run.id}: it left a sandbox copy in the console; first ${cleanCommandLine(run.id, run.configFile ?? '<config>')}`,
        );
        continue;
      }
      store.deleteRun(run.id);
      lines.push(`deleted run ${run.id}`);
    }
    if (lines.length === 0) lines.push('nothing to delete');
    return { lines, ok };
  } finally {
    store.close();
  }
}
