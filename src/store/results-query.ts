/** The columns a results page may be sorted by, and their column in result_index. */
export const SORTS = {
  position: 'position',
  duration: 'duration_ms',
  tokens: 'tokens',
  cost: 'cost',
  score: 'score',
  attempts: 'attempts',
  status: 'status',
  workflow: 'workflow_id',
} as const;

/** A sort key: a column of {@link SORTS}, `-` first for descending. */
export type SortKey = keyof typeof SORTS | `-${keyof typeof SORTS}`;

/** A page of results: which, in what order. */
export interface ResultsQuery {
  readonly offset: number;
  readonly limit: number;
  readonly sort: SortKey;
  /** `passed`, `failed` (did not pass), or an executor status (succeeded, timeout, error, …). */
  readonly status?: string | undefined;
  readonly workflow?: string | undefined;
  /** A variant's name; the empty string for results without one. */
  readonly variant?: string | undefined;
  /** The name of an assertion the case failed. */
  readonly assertion?: string | undefined;
  /** Text searched (case-insensitively) in the case's inputs, outputs and error. */
  readonly q?: string | undefined;
}

/** Whether `value` is a sort key. */
export function isSortKey(value: string): value is SortKey {
  return Object.hasOwn(SORTS, value.startsWith('-') ? value.slice(1) : value);
}

/** An FTS5 phrase: the text in double quotes, its own quotes doubled. */
const phrase = (text: string): string => `"${text.replaceAll('"', '""')}"`;

/** A LIKE pattern matching `text` anywhere, `!` escaping its wildcards. */
const anywhere = (text: string): string => `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;

function filters(runId: string, query: ResultsQuery): { where: string[]; params: unknown[] } {
  const where = ['i.run_id = ?'];
  const params: unknown[] = [runId];
  if (query.status === 'passed' || query.status === 'failed') {
    where.push('i.passed = ?');
    params.push(query.status === 'passed' ? 1 : 0);
  } else if (query.status !== undefined) {
    where.push('i.status = ?');
    params.push(query.status);
  }
  if (query.workflow !== undefined) {
    where.push('i.workflow_id = ?');
    params.push(query.workflow);
  }
  if (query.variant !== undefined) {
    where.push(query.variant === '' ? 'i.variant IS NULL' : 'i.variant = ?');
    if (query.variant !== '') params.push(query.variant);
  }
  if (query.assertion !== undefined) {
    where.push(
      'i.id IN (SELECT result_id FROM result_grades WHERE run_id = ? AND name = ? AND pass = 0)',
    );
    params.push(runId, query.assertion);
  }
  const q = query.q?.trim() ?? '';
  if (q !== '') {
    // Three characters and more go through the trigram index; fewer scan the run's text.
    if (q.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length >= 3) {
      where.push('i.id IN (SELECT rowid FROM result_text WHERE result_text MATCH ?)');
      params.push(phrase(q));
    } else {
      where.push("i.id IN (SELECT rowid FROM result_text WHERE text LIKE ? ESCAPE '!')");
      params.push(anywhere(q));
    }
  }
  return { where, params };
}

/**
 * The SQL of a results page of run `runId`: how many match, and the page (`params`, then limit
 * and offset). Ties are broken by the row id, so pages never overlap.
 */
export function resultsPageSql(
  runId: string,
  query: ResultsQuery,
): {
  readonly count: string;
  readonly page: string;
  readonly params: unknown[];
} {
  const { where, params } = filters(runId, query);
  const descending = query.sort.startsWith('-');
  const column = SORTS[(descending ? query.sort.slice(1) : query.sort) as keyof typeof SORTS];
  const direction = descending ? 'DESC' : 'ASC';
  // The column then the row id, both the same way: the (run_id, column) index walks it as is.
  const order =
    column === 'position'
      ? `i.position ${direction}`
      : `i.${column} ${direction}, i.id ${direction}`;
  const clause = where.join(' AND ');
  return {
    count: `SELECT COUNT(*) AS n FROM result_index AS i WHERE ${clause}`,
    page: `SELECT i.*, substr(COALESCE(r.answer, r.outputs_json, r.error_message, ''), 1, 200) AS preview
      FROM (SELECT i.* FROM result_index AS i WHERE ${clause} ORDER BY ${order} LIMIT ? OFFSET ?) AS i
      JOIN results AS r ON r.run_id = i.run_id AND r.case_id = i.case_id
      ORDER BY ${order}`,
    params,
  };
}
