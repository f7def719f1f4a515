import { describe, expect, it } from 'vitest';
import { gradingSchema } from '../assertions/assertion-schema.js';
import type { DifyRunResult } from '../dify/dify-run-result.js';
import type { TaskResult } from '../executor/task-result.js';
import type { CaseOutput } from './attempt-case.js';
import type { PlannedCase } from './planned-case.js';
import { casePassed, toResultRecord } from './result-record.js';

const grading = gradingSchema.parse({});

const planned: PlannedCase = {
  caseId: 'wf:abc:r1',
  position: 3,
  workflowId: 'wf',
  variant: 'terse',
  caseIndex: 1,
  repeatIndex: 0,
  inputs: { q: 'x' },
  query: undefined,
  reference: undefined,
};

function dify(status: DifyRunResult['status']): DifyRunResult {
  return {
    mode: 'workflow',
    taskId: 'task-1',
    workflowRunId: 'run-1',
    messageId: undefined,
    conversationId: undefined,
    status,
    outputs: { answer: 'A' },
    answer: undefined,
    error: status === 'succeeded' ? undefined : 'boom',
    errorCode: undefined,
    elapsedMs: 40,
    totalTokens: 12,
    totalPrice: 0.5,
    currency: 'USD',
    totalSteps: 3,
    nodes: [],
    recovered: false,
    malformedFrames: 0,
  };
}

function result(status: TaskResult['status'], output?: CaseOutput): TaskResult {
  return {
    taskId: planned.caseId,
    workflowId: 'wf',
    dataset: undefined,
    scenario: undefined,
    promptVariant: 'terse',
    status,
    output,
    error:
      status === 'succeeded'
        ? undefined
        : { code: 'E_DIFY_RUN_FAILED', message: 'Dify run failed: boom' },
    attempts: 2,
    timings: { queueWaitMs: 1, durationMs: 50, totalMs: 60 },
    tokens: undefined,
    cost: undefined,
    metadata: {},
  };
}

describe('casePassed', () => {
  it('passes only a Dify success whose verdict, if any, passed', () => {
    expect(casePassed(true, undefined)).toBe(true);
    expect(casePassed(true, { passed: true })).toBe(true);
    expect(casePassed(true, { passed: false })).toBe(false);
    expect(casePassed(false, undefined)).toBe(false);
    expect(casePassed(false, { passed: true })).toBe(false);
  });
});

describe('toResultRecord', () => {
  it("records a graded success: the verdict's pass, score and grades, the variant, Dify's run", () => {
    const verdict = {
      passed: false,
      score: 0.4,
      grades: [{ name: 'x' }],
      latencyMs: 20,
    } as unknown as CaseOutput['verdict'];
    const record = toResultRecord(
      result('succeeded', { tokens: 12, cost: 0.5, dify: dify('succeeded'), verdict }),
      planned,
      { dify: undefined },
      grading,
      { now: 99 },
    );
    expect(record).toMatchObject({
      caseId: 'wf:abc:r1',
      workflowId: 'wf',
      variant: 'terse',
      status: 'succeeded',
      difyStatus: 'succeeded',
      outputs: { answer: 'A' },
      errorCode: null,
      errorMessage: null,
      attempts: 2,
      queueMs: 1,
      durationMs: 50,
      totalMs: 60,
      difyElapsedMs: 40,
      tokens: 12,
      cost: 0.5,
      workflowRunId: 'run-1',
      taskId: 'task-1',
      finishedAt: 99,
      passed: false,
      score: 0.4,
      gradeClass: 'poor',
      grades: [{ name: 'x' }],
    });
  });

  it("records a failed case with the trace's Dify run and a message that says where it ran", () => {
    const record = toResultRecord(result('failed'), planned, { dify: dify('failed') }, grading, {
      label: 'variant terse of wf on sandbox app s1',
    });
    expect(record).toMatchObject({
      status: 'failed',
      difyStatus: 'failed',
      passed: false,
      score: 0,
      errorCode: 'E_DIFY_RUN_FAILED',
      errorMessage: 'variant terse of wf on sandbox app s1: Dify run failed: boom',
      workflowRunId: 'run-1',
      gradeClass: 'poor',
    });
  });

  it('records an ungraded success as passed with a full score, and no variant as null', () => {
    const record = toResultRecord(
      result('succeeded', { tokens: 1, cost: 0, dify: dify('succeeded'), verdict: undefined }),
      { ...planned, variant: undefined },
      { dify: undefined },
      grading,
    );
    expect(record).toMatchObject({ variant: null, passed: true, score: 1, errorMessage: null });
    expect(record.gradeClass).toBe('excellent');
  });

  it('records a case that never reached Dify with nothing from Dify', () => {
    const record = toResultRecord(result('cancelled'), planned, { dify: undefined }, grading);
    expect(record).toMatchObject({
      difyStatus: null,
      answer: null,
      tokens: null,
      cost: null,
      workflowRunId: null,
      taskId: null,
      difyElapsedMs: null,
    });
    expect(record.outputs).toBeUndefined();
  });
});
