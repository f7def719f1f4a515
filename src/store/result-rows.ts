/** What became of a case. */
export interface ResultRecord {
  readonly caseId: string;
  readonly workflowId: string;
  /** The prompt variant the case ran with (null: the app as it is, no variants). */
  readonly variant: string | null;
  /** The executor's status: succeeded, failed, timeout, cancelled or error. */
  readonly status: string;
  /** Dify's own run status, when Dify answered. */
  readonly difyStatus: string | null;
  readonly outputs: unknown;
  readonly answer: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly attempts: number;
  readonly queueMs: number | null;
  readonly durationMs: number | null;
  readonly totalMs: number | null;
  readonly difyElapsedMs: number | null;
  readonly tokens: number | null;
  readonly cost: number | null;
  readonly workflowRunId: string | null;
  readonly taskId: string | null;
  readonly nodes: unknown;
  readonly finishedAt: number;
  /** The graded verdict: Dify succeeded and the assertions passed (null: never graded). */
  readonly passed: boolean | null;
  /** The weighted assertion score, 0..1. */
  readonly score: number | null;
  /** excellent, good, fair or poor. */
  readonly gradeClass: string | null;
  /** Each assertion's grade: type, name, score, pass, weight, reason. */
  readonly grades: unknown;
  /** The worker that ran the case, in a distributed run (`run --queue`). */
  readonly worker?: string | null | undefined;
  /** How many times the queue handed the case out (more than 1: a worker died holding it). */
  readonly deliveries?: number | null | undefined;
}

/** A row as SQLite gives it. */
export type Row = Record<string, unknown>;

type SqlValue = string | number | null;

/** A value as a JSON column holds it (undefined: NULL). */
export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** A JSON column's value (NULL: null). */
export function unjson(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : null;
}

const text = (value: unknown): string | null => (value as string | null | undefined) ?? null;
const real = (value: unknown): number | null => (value as number | null | undefined) ?? null;

/** Each field of a result: its column, how it is written, how it is read. */
const COLUMNS: readonly {
  readonly column: string;
  readonly write: (r: ResultRecord) => SqlValue;
  readonly read: (value: unknown) => unknown;
  readonly field: keyof ResultRecord;
}[] = [
  { field: 'caseId', column: 'case_id', write: (r) => r.caseId, read: String },
  { field: 'workflowId', column: 'workflow_id', write: (r) => r.workflowId, read: String },
  { field: 'variant', column: 'prompt_variant', write: (r) => r.variant, read: text },
  { field: 'status', column: 'status', write: (r) => r.status, read: String },
  { field: 'difyStatus', column: 'dify_status', write: (r) => r.difyStatus, read: text },
  { field: 'outputs', column: 'outputs_json', write: (r) => json(r.outputs), read: unjson },
  { field: 'answer', column: 'answer', write: (r) => r.answer, read: text },
  { field: 'errorCode', column: 'error_code', write: (r) => r.errorCode, read: text },
  { field: 'errorMessage', column: 'error_message', write: (r) => r.errorMessage, read: text },
  { field: 'attempts', column: 'attempts', write: (r) => r.attempts, read: Number },
  { field: 'queueMs', column: 'queue_ms', write: (r) => r.queueMs, read: real },
  { field: 'durationMs', column: 'duration_ms', write: (r) => r.durationMs, read: real },
  { field: 'totalMs', column: 'total_ms', write: (r) => r.totalMs, read: real },
  { field: 'difyElapsedMs', column: 'dify_elapsed_ms', write: (r) => r.difyElapsedMs, read: real },
  { field: 'tokens', column: 'tokens', write: (r) => r.tokens, read: real },
  { field: 'cost', column: 'cost', write: (r) => r.cost, read: real },
  { field: 'workflowRunId', column: 'workflow_run_id', write: (r) => r.workflowRunId, read: text },
  { field: 'taskId', column: 'task_id', write: (r) => r.taskId, read: text },
  { field: 'nodes', column: 'nodes_json', write: (r) => json(r.nodes), read: unjson },
  { field: 'finishedAt', column: 'finished_at', write: (r) => r.finishedAt, read: Number },
  {
    field: 'passed',
    column: 'passed',
    write: (r) => (r.passed === null ? null : Number(r.passed)),
    read: (value) => (value === null ? null : Number(value) === 1),
  },
  { field: 'score', column: 'score', write: (r) => r.score, read: real },
  { field: 'gradeClass', column: 'grade_class', write: (r) => r.gradeClass, read: text },
  { field: 'grades', column: 'grades_json', write: (r) => json(r.grades), read: unjson },
  { field: 'worker', column: 'worker', write: (r) => r.worker ?? null, read: text },
  { field: 'deliveries', column: 'deliveries', write: (r) => r.deliveries ?? null, read: real },
];

/** The statement that writes (or replaces) one result of a run. */
export const INSERT_RESULT = `INSERT OR REPLACE INTO results (run_id, ${COLUMNS.map((c) => c.column).join(', ')}) VALUES (?${', ?'.repeat(COLUMNS.length)})`;

/** The values of {@link INSERT_RESULT}, in its order. */
export function resultValues(runId: string, result: ResultRecord): SqlValue[] {
  return [runId, ...COLUMNS.map((c) => c.write(result))];
}

/** A result read back from its row. */
export function resultOf(row: Row): ResultRecord {
  const result: Record<string, unknown> = {};
  for (const c of COLUMNS) result[c.field] = c.read(row[c.column]);
  return result as unknown as ResultRecord;
}
