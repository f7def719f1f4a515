import type { CaseRecord } from '../store/run-store.js';

/**
 * One case as it travels through a run: plain data only (file inputs stay `{file}` references),
 * so it can be stored, queued or sent to a worker as it is.
 */
export interface PlannedCase {
  /** Stable across runs of the same configuration: resume and comparisons key on it. */
  readonly caseId: string;
  /** Its place in the run. */
  readonly position: number;
  readonly workflowId: string;
  /** The prompt variant it runs with; undefined: the app as it is. */
  readonly variant: string | undefined;
  /** 1-based, before repeats: cases of two variants with the same index and repeat pair up. */
  readonly caseIndex: number;
  readonly repeatIndex: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | undefined;
  readonly reference: unknown;
}

/** A planned case as the store keeps it. */
export function caseRecordOf(c: PlannedCase): CaseRecord {
  return {
    caseId: c.caseId,
    position: c.position,
    workflowId: c.workflowId,
    variant: c.variant ?? null,
    caseIndex: c.caseIndex,
    repeatIndex: c.repeatIndex,
    inputs: c.inputs,
    query: c.query ?? null,
    reference: c.reference,
  };
}
