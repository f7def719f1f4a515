import type { OptimizationConfig } from '../config/optimization-schema.js';
import type { Config, WorkflowConfig } from '../config/config-schema.js';
import { OptimizeError } from './optimize-error.js';
import type { Strategy } from './search.js';

/** What an optimization runs by, stored with it so `--resume` goes on the same way. */
export interface OptimizationSettings {
  readonly workflow: string;
  readonly strategy: Strategy;
  readonly seed: number;
  readonly targets: 'all' | readonly string[];
  readonly budget: {
    readonly runs: number;
    readonly proposerCalls: number;
    readonly maxCost: number;
    readonly timeMs: number;
  };
  readonly split: { readonly heldout: number; readonly validation: number };
  readonly minibatch: number;
  readonly heldoutRepeats: number;
  readonly acceptance: { readonly alpha: number; readonly margin: number };
}

/** The command line's overrides of the `optimization` section. */
export interface SettingsOverrides {
  readonly workflow?: string | undefined;
  readonly strategy?: Strategy | undefined;
  readonly budgetRuns?: number | undefined;
  readonly seed?: number | undefined;
}

/**
 * The workflow an optimization improves: the one `--workflow` names, or the only one.
 * @throws OptimizeError (`E_OPTIMIZE_CONFIG`) naming the workflows to choose from.
 */
export function chooseWorkflow(config: Config, id: string | undefined): WorkflowConfig {
  const ids = config.workflows.map((w) => w.id).join(', ');
  if (id === undefined) {
    const only = config.workflows[0];
    if (config.workflows.length === 1 && only !== undefined) return only;
    throw new OptimizeError(
      'E_OPTIMIZE_CONFIG',
      `the configuration has ${String(config.workflows.length)} workflows (${ids}): say which to optimize with --workflow`,
    );
  }
  const found = config.workflows.find((w) => w.id === id);
  if (found === undefined)
    throw new OptimizeError('E_OPTIMIZE_CONFIG', `--workflow ${id}: no such workflow (${ids})`);
  return found;
}

/** The settings of a new optimization: the config's section with the command line's overrides. */
export function settingsOf(
  section: OptimizationConfig,
  workflow: string,
  overrides: SettingsOverrides,
): OptimizationSettings {
  return {
    workflow,
    strategy: overrides.strategy ?? section.strategy,
    seed: overrides.seed ?? section.split.seed,
    targets: section.targets,
    budget: {
      runs: overrides.budgetRuns ?? section.budget.runs,
      proposerCalls: section.budget.proposer_calls,
      maxCost: section.budget.max_cost,
      timeMs: section.budget.time,
    },
    split: { heldout: section.split.heldout, validation: section.split.validation },
    minibatch: section.minibatch,
    heldoutRepeats: section.heldout_repeats,
    acceptance: section.acceptance,
  };
}
