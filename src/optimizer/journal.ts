import type { RunStore } from '../store/run-store.js';

/** What an optimization journals: its evaluations, the proposer's replies, its candidates. */
export type StepKind = 'evaluation' | 'reply' | 'candidate';

/**
 * An optimization's journal in the run store. The search is deterministic given its seed, the
 * results of its evaluations and the proposer's replies, so a resumed optimization replays what
 * the journal holds (running and asking nothing again) and goes on live from where it stopped.
 */
export class Journal {
  readonly #store: RunStore;
  readonly #id: string;
  readonly #recorded = new Map<StepKind, unknown[]>();
  readonly #next = new Map<StepKind, number>();

  constructor(store: RunStore, optimizationId: string) {
    this.#store = store;
    this.#id = optimizationId;
    for (const kind of ['evaluation', 'reply', 'candidate'] as const)
      this.#recorded.set(kind, store.optimizationSteps(optimizationId, kind));
  }

  /** The next step of `kind`: its number, and what the journal holds of it (replaying). */
  step(kind: StepKind): { readonly seq: number; readonly recorded: unknown } {
    const seq = this.#next.get(kind) ?? 0;
    this.#next.set(kind, seq + 1);
    return { seq, recorded: this.#recorded.get(kind)?.[seq] };
  }

  /** Whether the next step of `kind` is still in the journal (the search is replaying). */
  replaying(kind: StepKind): boolean {
    return (this.#recorded.get(kind)?.length ?? 0) > (this.#next.get(kind) ?? 0);
  }

  /**
   * Keeps the app's own text of each target prompt (step `prompts`, once), so what reads the
   * journal later (the viewer) can show each edit as a diff from where the search began.
   */
  keepBaselinePrompts(prompts: Readonly<Record<string, string>>): void {
    if (this.#store.optimizationSteps(this.#id, 'prompts').length === 0)
      this.#store.addOptimizationStep(this.#id, 'prompts', 0, prompts);
  }

  /** Journals step `seq` of `kind`, committed at once. */
  record(kind: StepKind, seq: number, data: unknown): void {
    this.#store.addOptimizationStep(this.#id, kind, seq, data);
  }
}
