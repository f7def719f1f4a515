import type { DslDocument } from '../dify/dsl-document.js';
import type { PromptSlot } from '../dify/prompt-slots.js';
import type { PlannedCase } from '../run/planned-case.js';
import type { Budget } from './budget.js';
import {
  bestCandidate,
  contenders,
  meanScore,
  pickParent,
  type Candidate,
} from './candidate-pool.js';
import type { Evaluation, Evaluator } from './evaluator.js';
import { feedbackOf } from './feedback.js';
import type { Journal } from './journal.js';
import { propose, type ProposalOutcome } from './propose.js';
import type { PromptPlace } from './proposer-request.js';
import type { ProposerRunner } from './proposer-runner.js';

/** How new prompts are searched for (the spec's `strategy`). */
export type Strategy = 'reflective' | 'random' | 'greedy';

/** A candidate of the search: its prompts (those that differ from the app's) and lineage. */
export interface SearchCandidate extends Candidate {
  readonly prompts: Readonly<Record<string, string>>;
  readonly parent: string | undefined;
  readonly target: string | undefined;
  readonly reasoning: string;
  /** Runs spent when it was validated (0 for the baseline). */
  readonly runsAt: number;
}

/** What became of one proposal, journalled and reported. */
export interface CandidateEvent {
  readonly id: string;
  readonly parent: string;
  readonly target: string;
  readonly status: 'validated' | 'lost-minibatch' | 'refused';
  readonly reason: string;
  readonly text: string | undefined;
  readonly reasoning: string;
  readonly parentMinibatch: number | undefined;
  readonly childMinibatch: number | undefined;
  readonly validation: number | undefined;
  readonly runsAt: number;
}

/** What the search needs. */
export interface SearchContext {
  readonly strategy: Strategy;
  readonly evaluator: Evaluator;
  readonly proposer: ProposerRunner;
  readonly journal: Journal;
  readonly budget: Budget;
  readonly random: () => number;
  readonly source: DslDocument;
  readonly appName: string;
  readonly targets: readonly PromptSlot[];
  readonly places: ReadonlyMap<string, PromptPlace>;
  readonly train: readonly PlannedCase[];
  readonly validation: readonly PlannedCase[];
  readonly keyOf: (c: PlannedCase) => string;
  readonly minibatch: number;
  /** Runs kept back for the final pick's held-out proof. */
  readonly reserve: number;
  readonly signal: AbortSignal;
  readonly onEvent?: ((event: CandidateEvent) => void) | undefined;
}

/** The search's end: every candidate validated, every proposal, the pick, and why it stopped. */
export interface SearchOutcome {
  readonly pool: readonly SearchCandidate[];
  readonly events: readonly CandidateEvent[];
  readonly best: SearchCandidate;
  readonly stopReason: string;
}

/** Mean of an evaluation's per-case scores. */
export function evaluationMean(evaluation: Evaluation): number {
  const cases = Object.values(evaluation.scores).map(
    (runs) => runs.reduce((s, v) => s + v, 0) / Math.max(1, runs.length),
  );
  return cases.length === 0 ? 0 : cases.reduce((s, v) => s + v, 0) / cases.length;
}

/** Per-case mean scores of an evaluation, as the pool keeps them. */
export function scoreMap(evaluation: Evaluation): Map<string, number> {
  return new Map(
    Object.entries(evaluation.scores).map(([key, runs]) => [
      key,
      runs.reduce((s, v) => s + v, 0) / Math.max(1, runs.length),
    ]),
  );
}

/** Roughly the tokens of a candidate's target prompts (four characters a token). */
export function promptTokens(
  targets: readonly PromptSlot[],
  prompts: Readonly<Record<string, string>>,
): number {
  return targets.reduce(
    (n, slot) => n + Math.ceil((prompts[slot.address] ?? slot.text).length / 4),
    0,
  );
}

function groupBy(
  cases: readonly PlannedCase[],
  keyOf: (c: PlannedCase) => string,
): PlannedCase[][] {
  const groups = new Map<string, PlannedCase[]>();
  for (const c of cases) {
    const key = keyOf(c);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [c]);
    else group.push(c);
  }
  return [...groups.values()];
}

/** Whether `child` scored below `parent` on validation by more than one standard error. */
function clearlyWorse(child: Candidate, parent: Candidate): boolean {
  const m = meanScore(parent);
  const n = Math.max(1, parent.scores.size);
  return meanScore(child) < m - Math.max(Math.sqrt((m * (1 - m)) / n), 1 / n) - 1e-12;
}

/** `count` of the units, drawn without replacement. */
function sample<T>(units: readonly T[], count: number, random: () => number): T[] {
  const copy = [...units];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, count);
}

/**
 * The search (the optimizer spec, §3 step 4), until the budget is spent: a parent (`greedy`:
 * the current one, no pool; else drawn from the Pareto front of the pool's contenders, a
 * candidate superseded by a child left out), a target prompt in turn, the parent run on a train
 * minibatch, a new text of the prompt from the proposer (`random`: with no feedback), the child
 * run on the same minibatch, and only if it beats the parent there, on the whole validation set,
 * into the pool. A child that won its minibatch supersedes its parent unless validation shows it
 * clearly worse (by more than a standard error): one noisy run per case cannot tell a small
 * gain, and without this the search keeps going back to a parent whose validation was lucky
 * instead of building on its children. Nothing starts that the budget, less the held-out
 * proof's reserve, cannot finish.
 */
export async function search(
  baseline: SearchCandidate,
  context: SearchContext,
): Promise<SearchOutcome> {
  return new Search(baseline, context).run();
}

/** One search's state: its pool, what it tried, and how it spends. */
class Search {
  readonly #context: SearchContext;
  readonly #pool: SearchCandidate[];
  readonly #events: CandidateEvent[] = [];
  readonly #units: PlannedCase[][];
  readonly #tried = new Map<string, Set<string>>();
  readonly #superseded = new Set<string>();
  #current: SearchCandidate;
  #failures = 0;
  #made = 0;
  #msPerRun = 0;

  constructor(baseline: SearchCandidate, context: SearchContext) {
    this.#context = context;
    this.#pool = [baseline];
    this.#current = baseline;
    this.#units = groupBy(context.train, context.keyOf);
  }

  async run(): Promise<SearchOutcome> {
    const { budget, journal, random } = this.#context;
    for (let round = 0; ; round += 1) {
      const miniCases = sample(this.#units, this.#context.minibatch, random).flat();
      const replaying = journal.replaying('evaluation');
      const runs = 2 * miniCases.length + this.#context.validation.length + this.#context.reserve;
      const exhausted = budget.exhausted();
      if (exhausted !== undefined && !replaying) return this.#end(exhausted);
      const spending = { runs, proposerCalls: 1, ms: replaying ? 0 : runs * this.#msPerRun };
      if (!budget.affords(spending, { ignoreTime: replaying }))
        return this.#end(
          'what is left of the budget cannot buy another proposal and its validation',
        );
      const stop = await this.#round(round, miniCases);
      if (stop !== undefined) return this.#end(stop);
    }
  }

  /** One proposal: the parent on the minibatch, a new text, the child there and maybe on validation. */
  async #round(round: number, miniCases: readonly PlannedCase[]): Promise<string | undefined> {
    const { evaluator, random, strategy, keyOf } = this.#context;
    const parent =
      strategy === 'greedy'
        ? this.#current
        : pickParent(contenders(this.#pool.filter((c) => !this.#superseded.has(c.id))), random);
    const slot = this.#context.targets[round % this.#context.targets.length] as PromptSlot;
    const parentMini = this.#spend(await evaluator.evaluate(parent, 'minibatch', miniCases, keyOf));
    const parentText = parent.prompts[slot.address] ?? slot.text;
    const earlier = this.#tried.get(slot.address) ?? new Set([slot.text.trim()]);
    this.#tried.set(slot.address, earlier);
    const outcome: ProposalOutcome = await propose(this.#context, {
      slot,
      parentText,
      earlier,
      feedback:
        strategy === 'random'
          ? undefined
          : feedbackOf(evaluator.caseRuns(parentMini, miniCases), slot),
    });
    this.#made += 1;
    const base = {
      id: `c${String(this.#made)}`,
      parent: parent.id,
      target: slot.address,
      parentMinibatch: evaluationMean(parentMini),
      reasoning: outcome.kind === 'proposed' ? outcome.reasoning : '',
      text: undefined,
      childMinibatch: undefined,
      validation: undefined,
    };
    if (outcome.kind !== 'proposed') {
      this.#record({ ...base, status: 'refused', reason: outcome.reason });
      this.#failures = outcome.kind === 'failed' ? this.#failures + 1 : 0;
      return this.#failures >= 3
        ? `the proposer failed 3 times in a row: ${outcome.reason}`
        : undefined;
    }
    this.#failures = 0;
    earlier.add(outcome.text.trim());
    const prompts = { ...parent.prompts, [slot.address]: outcome.text };
    const child = { id: base.id, prompts };
    const childMini = this.#spend(await evaluator.evaluate(child, 'minibatch', miniCases, keyOf));
    const shown = { ...base, text: outcome.text, childMinibatch: evaluationMean(childMini) };
    if (evaluationMean(childMini) <= evaluationMean(parentMini)) {
      this.#record({
        ...shown,
        status: 'lost-minibatch',
        reason: 'did not beat its parent on the minibatch',
      });
      return undefined;
    }
    const validation = this.#spend(
      await evaluator.evaluate(child, 'validation', this.#context.validation, keyOf),
    );
    const validated: SearchCandidate = {
      ...child,
      parent: parent.id,
      target: slot.address,
      reasoning: base.reasoning,
      scores: scoreMap(validation),
      promptTokens: promptTokens(this.#context.targets, prompts),
      runsAt: this.#context.budget.spent.runs,
    };
    this.#pool.push(validated);
    if (strategy === 'greedy') this.#current = validated;
    // It won its minibatch; unless validation shows it clearly worse, it supersedes its parent.
    if (!clearlyWorse(validated, parent)) this.#superseded.add(parent.id);
    this.#record({
      ...shown,
      status: 'validated',
      reason: 'won its minibatch',
      validation: meanScore(validated),
    });
    return undefined;
  }

  #spend(evaluation: Evaluation): Evaluation {
    this.#context.budget.spend({ runs: evaluation.runs, cost: evaluation.cost });
    if (evaluation.ms > 0) this.#msPerRun = evaluation.ms / Math.max(1, evaluation.runs);
    return evaluation;
  }

  #record(event: Omit<CandidateEvent, 'runsAt'>): void {
    const full: CandidateEvent = { ...event, runsAt: this.#context.budget.spent.runs };
    this.#events.push(full);
    const { seq, recorded } = this.#context.journal.step('candidate');
    if (recorded === undefined) this.#context.journal.record('candidate', seq, full);
    this.#context.onEvent?.(full);
  }

  #end(stopReason: string): SearchOutcome {
    const best = this.#context.strategy === 'greedy' ? this.#current : bestCandidate(this.#pool);
    return { pool: this.#pool, events: this.#events, best, stopReason };
  }
}
