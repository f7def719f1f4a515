/** A candidate of the search: its per-case validation scores, and its prompts' size. */
export interface Candidate {
  readonly id: string;
  /** Validation case id → score in [0, 1] (the mean over repeats). */
  readonly scores: ReadonlyMap<string, number>;
  /** Tokens of its prompts, to break ties towards the shorter. */
  readonly promptTokens: number;
}

/** A candidate's mean validation score (0 with no case). */
export function meanScore(candidate: Candidate): number {
  if (candidate.scores.size === 0) return 0;
  let sum = 0;
  for (const score of candidate.scores.values()) sum += score;
  return sum / candidate.scores.size;
}

/**
 * The Pareto front of a pool, after GEPA: every candidate that is best (ties included) on at
 * least one validation case and that no other candidate dominates, weighted by how many cases
 * it is best on. One that alone solves a hard case stays in play.
 */
export function paretoFront<C extends Candidate>(
  pool: readonly C[],
): { readonly candidate: C; readonly weight: number }[] {
  const cases = new Set(pool.flatMap((c) => [...c.scores.keys()]));
  const weights = new Map<C, number>();
  for (const caseId of cases) {
    let best = -Infinity;
    for (const c of pool) best = Math.max(best, c.scores.get(caseId) ?? -Infinity);
    for (const c of pool) {
      if ((c.scores.get(caseId) ?? -Infinity) === best) weights.set(c, (weights.get(c) ?? 0) + 1);
    }
  }
  return pool
    .filter((c) => weights.has(c) && !pool.some((other) => dominates(other, c, cases)))
    .map((candidate) => ({ candidate, weight: weights.get(candidate) ?? 0 }));
}

/** Whether `a` is at least as good as `b` on every case and better on one. */
function dominates(a: Candidate, b: Candidate, cases: ReadonlySet<string>): boolean {
  let better = false;
  for (const caseId of cases) {
    const sa = a.scores.get(caseId) ?? -Infinity;
    const sb = b.scores.get(caseId) ?? -Infinity;
    if (sa < sb) return false;
    if (sa > sb) better = true;
  }
  return better;
}

/**
 * The contenders of a pool: the candidates whose mean validation score is within one standard
 * error of the best's (√(m(1−m)/n), at least 1/n). With one noisy run per case, a per-case Pareto
 * front alone holds nearly every candidate that passed a few cases by luck; the front is taken
 * among the contenders, so exploration stays among candidates the evidence cannot tell from the
 * best.
 */
export function contenders<C extends Candidate>(pool: readonly C[]): C[] {
  if (pool.length === 0) return [];
  const best = meanScore(bestCandidate(pool));
  const n = Math.max(1, ...pool.map((c) => c.scores.size));
  const error = Math.max(Math.sqrt((best * (1 - best)) / n), 1 / n);
  return pool.filter((c) => meanScore(c) >= best - error - 1e-12);
}

/**
 * A parent drawn from the Pareto front, each with a chance in proportion to its weight.
 * @throws RangeError on an empty pool.
 */
export function pickParent<C extends Candidate>(pool: readonly C[], random: () => number): C {
  const front = paretoFront(pool);
  const total = front.reduce((sum, f) => sum + f.weight, 0);
  if (front.length === 0 || total === 0) {
    const only = pool[0];
    if (only === undefined) throw new RangeError('no candidate to pick a parent from');
    return only;
  }
  let draw = random() * total;
  for (const { candidate, weight } of front) {
    draw -= weight;
    if (draw < 0) return candidate;
  }
  return (front.at(-1) as { candidate: C }).candidate;
}

/**
 * The final pick: the best mean validation score, ties to the fewer prompt tokens, then to the
 * earlier candidate.
 * @throws RangeError on an empty pool.
 */
export function bestCandidate<C extends Candidate>(pool: readonly C[]): C {
  let best: C | undefined;
  for (const c of pool) {
    if (
      best === undefined ||
      meanScore(c) > meanScore(best) ||
      (meanScore(c) === meanScore(best) && c.promptTokens < best.promptTokens)
    )
      best = c;
  }
  if (best === undefined) throw new RangeError('no candidate to pick from');
  return best;
}
