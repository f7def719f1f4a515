/** One side of a pairing: a run, or one variant of it. */
export interface PairingSide {
  readonly runId: string;
  readonly variant?: string | undefined;
}

/**
 * The SQL of a side's verdicts, one per pairing key (workflow, case index, repeat, and the
 * variant unless the side picked one, so a run without variants pairs with one variant of
 * another), the first stored when a key repeats; read off the covering index alone.
 */
function sideSql(name: 'a' | 'b', side: PairingSide): string {
  const variant =
    side.variant === undefined
      ? { key: "COALESCE(variant, '*')", where: '' }
      : { key: "'*'", where: ` AND variant = @${name}Variant` };
  return `${name} AS MATERIALIZED (
    SELECT workflow_id AS w, ${variant.key} AS v, case_index AS c, repeat_index AS r,
      MIN(id) AS id, case_id, passed, status != 'cancelled' AS ended
    FROM result_index INDEXED BY result_index_cover
    WHERE run_id = @${name}Run${variant.where}
    GROUP BY w, v, c, r)`;
}

/**
 * The SQL pairing two sides: `counts` (each side's passed and ended, the pairs that ended on
 * both, how many regressed and improved) and `flips` (the pairs from @from to @to, in the base
 * side's order, at most @limit), with the parameters of both sides.
 */
export function pairingSql(
  a: PairingSide,
  b: PairingSide,
): { readonly counts: string; readonly flips: string; readonly params: Record<string, string> } {
  const sides = `WITH ${sideSql('a', a)}, ${sideSql('b', b)}`;
  const pairs = 'a JOIN b USING (w, v, c, r) WHERE a.ended AND b.ended';
  const params: Record<string, string> = { aRun: a.runId, bRun: b.runId };
  if (a.variant !== undefined) params.aVariant = a.variant;
  if (b.variant !== undefined) params.bVariant = b.variant;
  return {
    counts: `${sides} SELECT
      (SELECT COUNT(*) FROM a WHERE ended) AS aEnded,
      (SELECT COALESCE(SUM(passed), 0) FROM a WHERE ended) AS aPassed,
      (SELECT COUNT(*) FROM b WHERE ended) AS bEnded,
      (SELECT COALESCE(SUM(passed), 0) FROM b WHERE ended) AS bPassed,
      COUNT(*) AS paired,
      COALESCE(SUM(a.passed = 1 AND b.passed = 0), 0) AS regressed,
      COALESCE(SUM(a.passed = 0 AND b.passed = 1), 0) AS improved
      FROM ${pairs}`,
    flips: `${sides} SELECT a.w AS workflowId, a.case_id AS aCase, a.passed AS aPassed,
      b.case_id AS bCase, b.passed AS bPassed
      FROM ${pairs} AND a.passed = @from AND b.passed = @to ORDER BY a.id LIMIT @limit`,
    params,
  };
}
