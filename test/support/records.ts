import type { CaseRecord, ResultRecord } from '../../src/store/run-store.js';

/** A succeeded, passed result of `caseId` in workflow `wf`, with `extra` laid over it. */
export function aResult(caseId: string, extra: Partial<ResultRecord> = {}): ResultRecord {
  return {
    caseId,
    workflowId: 'wf',
    variant: null,
    status: 'succeeded',
    difyStatus: 'succeeded',
    outputs: {},
    answer: null,
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    queueMs: 0,
    durationMs: 1,
    totalMs: 1,
    difyElapsedMs: 1,
    tokens: 1,
    cost: 0,
    workflowRunId: null,
    taskId: null,
    nodes: [],
    finishedAt: 1,
    passed: true,
    score: 1,
    gradeClass: null,
    grades: undefined,
    ...extra,
  };
}

/** A case of workflow `wf`, first repeat, with `extra` laid over it. */
export function aCase(caseId: string, extra: Partial<CaseRecord> = {}): CaseRecord {
  return {
    caseId,
    position: 0,
    workflowId: 'wf',
    variant: null,
    caseIndex: 1,
    repeatIndex: 0,
    inputs: {},
    query: null,
    reference: null,
    ...extra,
  };
}
