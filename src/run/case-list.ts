import { repeatId, type CaseBase } from '../config/expand-cases.js';
import type { PlannedCase } from './planned-case.js';

/**
 * A run's cases of one workflow and variant, made as they are iterated (every repeat of every
 * base case, positioned in the run's order), and iterable again: a large suite is never held
 * whole, only the base cases its repeats share.
 */
export interface CaseList extends Iterable<PlannedCase> {
  /** How many cases an iteration gives. */
  readonly count: number;
}

/** The cases of `bases`, each repeated, those `keep` takes, positioned from `firstPosition`. */
export function caseList(
  bases: readonly CaseBase[],
  options: {
    readonly repeat: number;
    readonly workflowId: string;
    readonly variant: string | undefined;
    readonly firstPosition: number;
    readonly keep?: ((caseId: string) => boolean) | undefined;
  },
): CaseList {
  const { repeat, workflowId, variant, keep } = options;
  function* cases(): Generator<PlannedCase> {
    let position = options.firstPosition;
    for (const base of bases) {
      for (let r = 0; r < repeat; r += 1) {
        const caseId = repeatId(base, r, repeat);
        if (keep !== undefined && !keep(caseId)) continue;
        yield {
          caseId,
          position: position++,
          workflowId,
          variant,
          caseIndex: base.index,
          repeatIndex: r,
          inputs: base.inputs,
          query: base.query,
          reference: base.reference,
        };
      }
    }
  }
  return withCount(cases);
}

/** The cases of `list` that `keep` takes, positions unchanged. */
export function filterCases(list: CaseList, keep: (c: PlannedCase) => boolean): CaseList {
  return withCount(function* kept() {
    for (const c of list) if (keep(c)) yield c;
  });
}

/** A re-iterable list, counted once by a pass that keeps nothing. */
function withCount(cases: () => Generator<PlannedCase>): CaseList {
  let count = 0;
  for (const pass = cases(); pass.next().done !== true;) count += 1;
  return { count, [Symbol.iterator]: cases };
}
