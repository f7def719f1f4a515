import { AutoOptError } from '../core/autoopt-error.js';
import { createSeededRandom } from '../core/seeded-random.js';

/** How to split an optimization's cases: counts, or fractions below 1 of the whole. */
export interface SplitSpec {
  readonly heldout: number;
  readonly validation: number;
  readonly seed: number;
}

/** The three parts: what the proposer learns from, what picks candidates, what proves one. */
export interface CaseSplit<T> {
  readonly train: readonly T[];
  readonly validation: readonly T[];
  readonly heldout: readonly T[];
}

/** Too few cases for the split an optimization needs: how many it has, how many it needs. */
export class SplitError extends AutoOptError {
  readonly needed: number;
  readonly available: number;

  constructor(message: string, needed: number, available: number) {
    super('E_OPTIMIZE_TOO_FEW_CASES', message);
    this.needed = needed;
    this.available = available;
  }
}

/** The fewest held-out cases that can prove a gain (see the optimizer spec's power figures). */
export const MIN_HELDOUT = 20;

function countOf(value: number, total: number): number {
  return value >= 1 ? Math.floor(value) : Math.round(value * total);
}

/**
 * Splits cases, seeded, into train, validation and held-out parts; cases with the same key (the
 * repeats of one case) stay in one part, so nothing learnt on a case is proven on its twin.
 * @throws SplitError (`E_OPTIMIZE_TOO_FEW_CASES`) saying how many cases are needed: at least
 * {@link MIN_HELDOUT} held out, one for validation and `minTrain` to train on.
 */
export function splitCases<T>(
  cases: readonly T[],
  spec: SplitSpec,
  options: { readonly keyOf: (c: T) => string; readonly minTrain?: number },
): CaseSplit<T> {
  const groups = new Map<string, T[]>();
  for (const c of cases) {
    const key = options.keyOf(c);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [c]);
    else group.push(c);
  }
  const keys = [...groups.keys()];
  const heldout = countOf(spec.heldout, keys.length);
  const validation = countOf(spec.validation, keys.length);
  const minTrain = options.minTrain ?? 1;
  const needed = Math.max(heldout, MIN_HELDOUT) + Math.max(validation, 1) + minTrain;
  if (heldout < MIN_HELDOUT || validation < 1 || keys.length < needed) {
    throw new SplitError(
      `optimization needs at least ${needed} distinct cases (${Math.max(heldout, MIN_HELDOUT)} held out, at least ${MIN_HELDOUT}; ${Math.max(validation, 1)} for validation; ${minTrain} to train on); the suite has ${keys.length}`,
      needed,
      keys.length,
    );
  }
  const random = createSeededRandom(spec.seed);
  for (let i = keys.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  const take = (from: number, to: number): T[] =>
    keys.slice(from, to).flatMap((key) => groups.get(key) ?? []);
  return {
    heldout: take(0, heldout),
    validation: take(heldout, heldout + validation),
    train: take(heldout + validation, keys.length),
  };
}
