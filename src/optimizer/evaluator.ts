import type { Judge } from '../assertions/assertion.js';
import type { CaseGrader } from '../assertions/case-grader.js';
import type { Config } from '../config/config-schema.js';
import { CancellationToken } from '../executor/cancellation-token.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';
import type { RateLimit } from '../executor/rate-limit.js';
import type { ExecutorObserver } from '../executor/executor-observer.js';
import { caseRecordOf, type PlannedCase } from '../run/planned-case.js';
import { memorySink, storeSink, teeSink } from '../run/result-sink.js';
import { runCases } from '../run/run-cases.js';
import type { ResultRecord, RunStore } from '../store/run-store.js';
import type { CandidateTargets } from './candidate-targets.js';
import type { Journal } from './journal.js';
import { OptimizeError } from './optimize-error.js';

/** Which cases an evaluation ran. */
export type EvaluationSet = 'minibatch' | 'validation' | 'heldout';

/** What an evaluation of a candidate came to. */
export interface Evaluation {
  readonly seq: number;
  readonly candidateId: string;
  readonly set: EvaluationSet;
  /** Each case (its key) → pass 1 or fail 0 per run of it. */
  readonly scores: Readonly<Record<string, readonly number[]>>;
  readonly runs: number;
  readonly cost: number;
  /** Its wall time (0 when replayed). */
  readonly ms: number;
}

/** A case of an evaluation with its result, for the proposer's feedback. */
export interface CaseRun {
  readonly planned: PlannedCase;
  readonly record: ResultRecord;
}

/** What every evaluation shares. */
export interface EvaluatorContext {
  readonly store: RunStore;
  readonly runId: string;
  readonly journal: Journal;
  readonly targets: CandidateTargets;
  readonly grader: CaseGrader | undefined;
  readonly judge: Judge | undefined;
  readonly user: string;
  readonly policy: ExecutionPolicyInput;
  readonly grading: Config['grading'];
  readonly rateLimiter: RateLimit | undefined;
  readonly observer?: ExecutorObserver | undefined;
  readonly signal: AbortSignal;
}

// A result that finished: resume runs again only what was cancelled in flight.
const DONE = new Set(['succeeded', 'failed', 'timeout', 'error']);

/**
 * Runs candidates on sets of cases through the run pipeline (executor, rate limit, retries,
 * grading), each result stored in the optimization's run the moment it ends under an id of its
 * evaluation (`e<seq>/<case id>`), each finished evaluation journalled. A replayed evaluation is
 * read from the journal; one cut short runs only its cases without a result.
 */
export class Evaluator {
  readonly #context: EvaluatorContext;
  readonly #recent = new Map<number, CaseRun[]>();
  #finished: Map<string, ResultRecord> | undefined;
  #position = 0;

  constructor(context: EvaluatorContext) {
    this.#context = context;
  }

  /**
   * Evaluates `candidate` on `cases` (each keyed by `keyOf` for scoring).
   * @throws OptimizeError (`E_OPTIMIZE_INTERRUPTED` on Ctrl-C, `E_OPTIMIZE_STOPPED` when Dify
   * failed in a way that stops everything), the target's errors.
   */
  async evaluate(
    candidate: { readonly id: string; readonly prompts: Readonly<Record<string, string>> },
    set: EvaluationSet,
    cases: readonly PlannedCase[],
    keyOf: (c: PlannedCase) => string,
  ): Promise<Evaluation> {
    const context = this.#context;
    const { seq, recorded } = context.journal.step('evaluation');
    const planned = cases.map((c) => ({
      ...c,
      caseId: `e${String(seq)}/${c.caseId}`,
      variant: candidate.id,
      position: this.#position++,
    }));
    if (recorded !== undefined) return recorded as Evaluation;
    const started = performance.now();
    const finished = this.#finishedResults();
    const pending = planned.filter((c) => !finished.has(c.caseId));
    context.store.addCases(context.runId, planned.map(caseRecordOf));
    const memory = memorySink();
    if (pending.length > 0) await this.#run(candidate, pending, memory);
    const byId = new Map(memory.records.map((r) => [r.caseId, r]));
    const runs: CaseRun[] = planned.flatMap((c) => {
      const record = byId.get(c.caseId) ?? finished.get(c.caseId);
      return record === undefined ? [] : [{ planned: c, record }];
    });
    const scores: Record<string, number[]> = {};
    let cost = 0;
    for (const { planned: c, record } of runs) {
      (scores[keyOf(c)] ??= []).push(record.passed === true ? 1 : 0);
      cost += record.cost ?? 0;
    }
    const evaluation: Evaluation = {
      seq,
      candidateId: candidate.id,
      set,
      scores,
      runs: planned.length,
      cost,
      ms: performance.now() - started,
    };
    context.journal.record('evaluation', seq, evaluation);
    this.#recent.set(seq, runs);
    this.#recent.delete(seq - 8);
    return evaluation;
  }

  /** The cases of an evaluation with their results (read back from the store when replayed). */
  caseRuns(evaluation: Evaluation, cases: readonly PlannedCase[]): CaseRun[] {
    const recent = this.#recent.get(evaluation.seq);
    if (recent !== undefined) return recent;
    const prefix = `e${String(evaluation.seq)}/`;
    const byId = new Map(cases.map((c) => [`${prefix}${c.caseId}`, c]));
    const runs: CaseRun[] = [];
    for (const record of this.#context.store.results(this.#context.runId)) {
      const planned = byId.get(record.caseId);
      if (planned !== undefined) runs.push({ planned, record });
    }
    return runs;
  }

  /** Results already stored for this optimization (read once, on the first live evaluation). */
  #finishedResults(): Map<string, ResultRecord> {
    if (this.#finished === undefined) {
      this.#finished = new Map();
      for (const record of this.#context.store.results(this.#context.runId))
        if (DONE.has(record.status)) this.#finished.set(record.caseId, record);
    }
    return this.#finished;
  }

  async #run(
    candidate: { readonly id: string; readonly prompts: Readonly<Record<string, string>> },
    pending: readonly PlannedCase[],
    memory: ReturnType<typeof memorySink>,
  ): Promise<void> {
    const context = this.#context;
    context.signal.throwIfAborted();
    const token = new CancellationToken();
    const onAbort = (): void => {
      token.cancel('interrupted');
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    let storeFailure: Error | undefined;
    try {
      const target = await context.targets.use(candidate.id, candidate.prompts, token.signal);
      const caseContext = {
        target,
        grader: context.grader,
        judge: context.judge,
        user: context.user,
      };
      const sink = teeSink(
        storeSink(context.store, context.runId, {
          onFailure: (error) => {
            storeFailure = error;
            token.cancel('the run store failed');
          },
        }),
        memory,
      );
      const outcome = await runCases(pending, () => caseContext, sink, {
        runId: context.runId,
        policy: context.policy,
        token,
        grading: context.grading,
        rateLimiter: context.rateLimiter,
        observer: context.observer,
      });
      if (storeFailure !== undefined) throw storeFailure;
      if (context.signal.aborted)
        throw new OptimizeError('E_OPTIMIZE_INTERRUPTED', 'interrupted by the user');
      if (outcome.stopReason !== undefined)
        throw new OptimizeError('E_OPTIMIZE_STOPPED', outcome.stopReason);
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
  }
}
