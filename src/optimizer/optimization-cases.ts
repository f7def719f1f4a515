import type { WorkflowConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { planCases } from '../run/plan-cases.js';
import type { PlannedCase } from '../run/planned-case.js';
import type { OptimizationSettings } from './optimization-settings.js';
import { splitCases } from './split-cases.js';

/** An optimization's cases: what the proposer learns from, what picks, what proves. */
export interface OptimizationCases {
  readonly train: readonly PlannedCase[];
  readonly validation: readonly PlannedCase[];
  /** Each held-out case once per `heldout_repeats`. */
  readonly heldout: readonly PlannedCase[];
}

/**
 * A workflow's cases (its variants set aside: the app as it is), split, seeded, into train,
 * validation and held-out; a case's repeats stay in one part; each held-out case is run
 * `heldout_repeats` times per arm.
 * @throws SplitError (`E_OPTIMIZE_TOO_FEW_CASES`) saying how many cases are needed; ConfigError.
 */
export async function optimizationCases(
  loaded: LoadedConfig,
  workflow: WorkflowConfig,
  settings: OptimizationSettings,
): Promise<OptimizationCases> {
  const single = {
    ...loaded,
    config: { ...loaded.config, workflows: [{ ...workflow, variants: undefined }] },
  };
  const [plan] = await planCases(single, { now: new Date(0) });
  const all = [...(plan?.cases ?? [])];
  const split = splitCases(
    all,
    { heldout: settings.split.heldout, validation: settings.split.validation, seed: settings.seed },
    { keyOf: (c) => String(c.caseIndex), minTrain: settings.minibatch },
  );
  const heldout: PlannedCase[] = [];
  const seen = new Set<number>();
  for (const c of split.heldout) {
    if (seen.has(c.caseIndex)) continue;
    seen.add(c.caseIndex);
    for (let r = 0; r < settings.heldoutRepeats; r += 1)
      heldout.push({ ...c, caseId: `${c.caseId}~h${String(r + 1)}`, repeatIndex: r });
  }
  return { train: split.train, validation: split.validation, heldout };
}
