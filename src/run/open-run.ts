import { randomBytes } from 'node:crypto';
import type { LoadedConfig } from '../config/load-config.js';
import { redactSecrets } from '../config/redact-secrets.js';
import type { RunStore } from '../store/run-store.js';
import { ENDED_STATUSES } from '../store/result-facts.js';
import { filterCases, type CaseList } from './case-list.js';
import { caseRecordOf } from './planned-case.js';
import { ResumeMismatchError, RunNotFoundError } from './run-not-found-error.js';

/** Whether a run starts anew, or continues a stored one. */
export type Continuation =
  | { readonly kind: 'new'; readonly toolVersion: string }
  /** What ended is not run again. */
  | { readonly kind: 'resume'; readonly runId: string; readonly force?: boolean }
  /** Only the cases that failed, timed out or errored run again. */
  | { readonly kind: 'retry-errors'; readonly runId: string };

/** A run opened in the store: its id, and the cases of each group still to run. */
export interface OpenedRun {
  readonly runId: string;
  /** Per group, the cases to run: the group's own list when nothing is skipped. */
  readonly pending: readonly CaseList[];
  readonly total: number;
}

const FAILURES = ['failed', 'timeout', 'error'] as const;

/** A run id: its start time, to the second, and four random hex digits. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Refuses to resume a run with the cases of another configuration (they would merge into one
 * run): every case the configuration gives must be one of the run's.
 * @throws ResumeMismatchError (`E_RESUME_MISMATCH`) saying how many are not, and `--force`.
 */
function checkSameSuite(
  store: RunStore,
  runId: string,
  groups: readonly CaseList[],
  file: string,
): void {
  const stored = new Set(store.cases(runId).map((c) => c.caseId));
  let foreign = 0;
  let total = 0;
  for (const group of groups)
    for (const c of group) {
      total += 1;
      if (!stored.has(c.caseId)) foreign += 1;
    }
  if (foreign > 0)
    throw new ResumeMismatchError(
      `run ${runId} was not made from this configuration (${file}): ${String(foreign)} of its ${String(total)} cases are not in the run's ${String(stored.size)}; resume with the configuration it was made from, or --force to add them`,
    );
}

/**
 * Creates the run in the store (its configuration without secrets), or marks a stored one
 * running again; records its cases and a start, resume or retry-errors event; and gives what is
 * left to run. Only the process that owns the run calls it (the local run, the coordinator).
 * @throws RunNotFoundError (`E_RUN_NOT_FOUND`) for a continued run the store lacks; StoreError.
 */
export function openRun(
  store: RunStore,
  loaded: LoadedConfig,
  groups: readonly CaseList[],
  how: Continuation,
  options: { readonly now: Date },
): OpenedRun {
  if (how.kind !== 'new' && store.getRun(how.runId) === undefined)
    throw new RunNotFoundError(how.runId);
  const runId = how.kind === 'new' ? newRunId(options.now) : how.runId;
  if (how.kind === 'new') {
    store.createRun({
      id: runId,
      configFile: loaded.file,
      config: redactSecrets(loaded.config),
      toolVersion: how.toolVersion,
    });
  } else {
    if (how.kind === 'resume' && how.force !== true)
      checkSameSuite(store, runId, groups, loaded.file);
    store.setRunStatus(runId, 'running');
  }
  // Records made one at a time as the store takes them: a large run never holds them all.
  store.addCases(
    runId,
    (function* records() {
      for (const group of groups) for (const c of group) yield caseRecordOf(c);
    })(),
  );
  const count = groups.reduce((sum, group) => sum + group.count, 0);
  store.addEvent(runId, how.kind === 'new' ? 'start' : how.kind, { cases: count });
  const skip =
    how.kind === 'resume' ? store.caseIdsWithStatus(runId, ENDED_STATUSES) : new Set<string>();
  const only = how.kind === 'retry-errors' ? store.caseIdsWithStatus(runId, FAILURES) : undefined;
  const pending =
    skip.size === 0 && only === undefined
      ? groups
      : groups.map((group) =>
          filterCases(
            group,
            (c) => !skip.has(c.caseId) && (only === undefined || only.has(c.caseId)),
          ),
        );
  return { runId, pending, total: pending.reduce((sum, group) => sum + group.count, 0) };
}
