import { asArray, asObject } from '../core/json-value.js';
import { pickOutput } from '../assertions/case-grader.js';
import { resultPassed } from '../store/result-facts.js';
import type { CaseRecord, ResultRecord } from '../store/run-store.js';

/** One case flattened for tables: CSV, Excel and the HTML page's results table. */
export interface ReportRow {
  readonly position: number;
  readonly caseId: string;
  readonly workflowId: string;
  /** The prompt variant ('' without variants). */
  readonly variant: string;
  readonly repeat: number;
  readonly inputs: string;
  readonly query: string;
  readonly reference: string;
  readonly status: string;
  readonly difyStatus: string;
  readonly passed: boolean;
  readonly score: number | null;
  readonly grade: string;
  readonly output: string;
  /** Why it failed: the error, or the reasons of the assertions that did not pass. */
  readonly reasons: string;
  readonly errorCode: string;
  readonly attempts: number;
  readonly latencyMs: number | null;
  readonly totalMs: number | null;
  readonly difyElapsedMs: number | null;
  readonly tokens: number | null;
  readonly cost: number | null;
  readonly workflowRunId: string;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The output as one text, as the assertions graded it: a chat app's answer, a workflow's only
 * output field, or all its outputs.
 */
export function outputOf(result: ResultRecord): string {
  const outputs = asObject(result.outputs) ?? {};
  return text(pickOutput({ outputs, answer: result.answer ?? undefined }, undefined));
}

/** The reasons a case did not pass: its error, then each failed assertion's reason. */
export function failureReasons(result: ResultRecord): string[] {
  const reasons: string[] = [];
  if (result.errorMessage !== null)
    reasons.push(`${result.errorCode ?? 'error'}: ${result.errorMessage}`);
  for (const item of asArray(result.grades)) {
    const grade = asObject(item);
    if (grade !== undefined && grade.pass !== true)
      reasons.push(`${text(grade.name)}: ${text(grade.reason)}`);
  }
  return reasons;
}

/** Joins each result with its case into a flat row; results without a case are skipped. */
export function reportRows(
  cases: readonly CaseRecord[],
  results: readonly ResultRecord[],
): ReportRow[] {
  const byId = new Map(cases.map((c) => [c.caseId, c]));
  const rows: ReportRow[] = [];
  for (const result of results) {
    const c = byId.get(result.caseId);
    if (c === undefined) continue;
    rows.push({
      position: c.position,
      caseId: c.caseId,
      workflowId: c.workflowId,
      variant: c.variant ?? '',
      repeat: c.repeatIndex,
      inputs: text(c.inputs),
      query: c.query ?? '',
      reference: text(c.reference),
      status: result.status,
      difyStatus: result.difyStatus ?? '',
      passed: resultPassed(result),
      score: result.score,
      grade: result.gradeClass ?? '',
      output: outputOf(result),
      reasons: failureReasons(result).join('\n'),
      errorCode: result.errorCode ?? '',
      attempts: result.attempts,
      latencyMs: result.durationMs,
      totalMs: result.totalMs,
      difyElapsedMs: result.difyElapsedMs,
      tokens: result.tokens,
      cost: result.cost,
      workflowRunId: result.workflowRunId ?? '',
    });
  }
  return rows;
}

/** The columns of the tables, in order, with their headers. */
export const ROW_COLUMNS: readonly (readonly [keyof ReportRow, string])[] = [
  ['position', '#'],
  ['caseId', 'case'],
  ['workflowId', 'workflow'],
  ['variant', 'prompt variant'],
  ['repeat', 'repeat'],
  ['status', 'status'],
  ['passed', 'passed'],
  ['score', 'score'],
  ['grade', 'grade'],
  ['latencyMs', 'latency ms'],
  ['tokens', 'tokens'],
  ['cost', 'cost'],
  ['attempts', 'attempts'],
  ['inputs', 'inputs'],
  ['query', 'query'],
  ['reference', 'reference'],
  ['output', 'output'],
  ['reasons', 'reasons'],
  ['errorCode', 'error code'],
  ['difyStatus', 'Dify status'],
  ['difyElapsedMs', 'Dify elapsed ms'],
  ['totalMs', 'total ms'],
  ['workflowRunId', 'workflow run id'],
];
