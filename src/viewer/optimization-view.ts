import { diffWordsWithSpace } from 'diff';
import type { StoreReader } from '../store/store-reader.js';

/** A candidate as the optimizer journals it (optimizer/search.ts's CandidateEvent). */
export interface CandidateStep {
  readonly id: string;
  readonly parent: string;
  readonly target: string;
  readonly status: string;
  readonly reason: string;
  readonly text?: string;
  readonly reasoning?: string;
  readonly parentMinibatch?: number;
  readonly childMinibatch?: number;
  readonly validation?: number;
  readonly runsAt: number;
}

/** An evaluation as the optimizer journals it (optimizer/evaluator.ts's Evaluation). */
interface EvaluationStep {
  readonly seq: number;
  readonly candidateId: string;
  readonly set: string;
  readonly scores: Readonly<Record<string, readonly number[]>>;
  readonly runs: number;
  readonly cost: number;
}

/** One piece of a diff: kept (`=`), added (`+`) or removed (`-`) text. */
export interface DiffPart {
  readonly op: '=' | '+' | '-';
  readonly text: string;
}

/** The word diff from `before` to `after`. */
export function diffOf(before: string, after: string): DiffPart[] {
  return diffWordsWithSpace(before, after).map((change) => ({
    op: change.added ? '+' : change.removed ? '-' : '=',
    text: change.value,
  }));
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;

/**
 * The Pareto pool of the validation evaluations: each candidate that scores best of all on at
 * least one validation case (GEPA's pool), with its mean score per case.
 */
function paretoPool(evaluations: readonly EvaluationStep[]): Set<string> {
  const perCase = new Map<string, Map<string, number>>();
  for (const e of evaluations.filter((x) => x.set === 'validation'))
    for (const [key, scores] of Object.entries(e.scores)) {
      const row = perCase.get(key) ?? new Map<string, number>();
      row.set(e.candidateId, mean(scores));
      perCase.set(key, row);
    }
  const pool = new Set<string>();
  for (const row of perCase.values()) {
    const best = Math.max(...row.values());
    for (const [candidate, score] of row) if (score === best) pool.add(candidate);
  }
  return pool;
}

/** An optimization as its page shows it. */
export interface OptimizationView {
  readonly id: string;
  readonly workflowId: string;
  readonly strategy: string;
  readonly status: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly settings: unknown;
  /** The optimizer's `--json` outcome, once it ended. */
  readonly outcome: unknown;
  readonly baselinePrompts: Readonly<Record<string, string>>;
  readonly baselineInPool: boolean;
  readonly candidates: readonly (CandidateStep & {
    readonly inPool: boolean;
    readonly diff: DiffPart[] | null;
  })[];
  readonly evaluations: readonly {
    readonly seq: number;
    readonly candidateId: string;
    readonly set: string;
    readonly runs: number;
    readonly cost: number;
    readonly score: number;
  }[];
}

/**
 * An optimization as its page shows it: the settings and outcome (the held-out verdict), the
 * baseline's prompts, every candidate (lineage, status, validation score, runs spent when it was
 * made) with its edit as a word diff from its parent's text, the Pareto pool and the
 * evaluations. Undefined when the store has no such optimization.
 */
export function optimizationView(reader: StoreReader, id: string): OptimizationView | undefined {
  const found = reader.optimization(id);
  if (found === undefined) return undefined;
  const { record, steps } = found;
  const baseline = (steps.prompts?.[0] ?? {}) as Readonly<Record<string, string>>;
  const events = (steps.candidate ?? []) as CandidateStep[];
  const evaluations = (steps.evaluation ?? []) as EvaluationStep[];
  const prompts = new Map<string, Readonly<Record<string, string>>>([['c0', {}]]);
  const pool = paretoPool(evaluations);
  const candidates = events.map((event) => {
    const parentPrompts = prompts.get(event.parent) ?? {};
    const before = parentPrompts[event.target] ?? baseline[event.target];
    if (event.text !== undefined)
      prompts.set(event.id, { ...parentPrompts, [event.target]: event.text });
    return {
      ...event,
      inPool: pool.has(event.id),
      diff: event.text === undefined || before === undefined ? null : diffOf(before, event.text),
    };
  });
  return {
    id,
    workflowId: String(record.workflow_id),
    strategy: String(record.strategy),
    status: String(record.status),
    createdAt: Number(record.created_at),
    updatedAt: Number(record.updated_at),
    settings: found.settings,
    outcome: found.result ?? null,
    baselinePrompts: baseline,
    baselineInPool: pool.has('c0'),
    candidates,
    evaluations: evaluations.map((e) => ({
      seq: e.seq,
      candidateId: e.candidateId,
      set: e.set,
      runs: e.runs,
      cost: e.cost,
      score: mean(Object.values(e.scores).map(mean)),
    })),
  };
}
