import { isAbsolute, resolve } from 'node:path';
import type { VariantConfig, WorkflowConfig } from '../config/config-schema.js';
import { readDataset } from '../config/dataset.js';
import { expandBases } from '../config/expand-cases.js';
import type { LoadedConfig } from '../config/load-config.js';
import { caseList, type CaseList } from './case-list.js';

/** A workflow, one of its variants (none: the app as it is), and its cases. */
export interface PlannedWorkflow {
  readonly workflow: WorkflowConfig;
  /** The workflow's position in the configuration's `workflows`. */
  readonly index: number;
  readonly variant: VariantConfig | undefined;
  /** Its cases, positioned in the run's order, made as they are iterated. */
  readonly cases: CaseList;
}

/**
 * Every case of every workflow of a configuration, datasets read relative to it, once per
 * variant (each variant's cases have ids of their own); `repeat` overrides each workflow's, and
 * `filter` keeps the cases whose id or workflow id contains it.
 * @throws ConfigError for a dataset or inputs that cannot make cases.
 */
export async function planCases(
  loaded: LoadedConfig,
  options: {
    readonly now: Date;
    readonly repeat?: number | undefined;
    readonly filter?: string | undefined;
  },
): Promise<PlannedWorkflow[]> {
  const plan: PlannedWorkflow[] = [];
  let position = 0;
  for (const [index, source] of loaded.config.workflows.entries()) {
    const workflow = options.repeat === undefined ? source : { ...source, repeat: options.repeat };
    const { dataset } = workflow;
    const rows =
      dataset === undefined
        ? undefined
        : await readDataset(isAbsolute(dataset) ? dataset : resolve(loaded.dir, dataset));
    const { filter } = options;
    for (const variant of workflow.variants ?? [undefined]) {
      const bases = expandBases(
        variant === undefined ? workflow : { ...workflow, prompt_variant: variant.name },
        {
          dir: loaded.dir,
          file: loaded.file,
          position: index,
          now: options.now,
          ...(rows === undefined ? {} : { rows }),
        },
      );
      const cases = caseList(bases, {
        repeat: workflow.repeat,
        workflowId: workflow.id,
        variant: variant?.name,
        firstPosition: position,
        keep:
          filter === undefined || workflow.id.includes(filter)
            ? undefined
            : (caseId) => caseId.includes(filter),
      });
      position += cases.count;
      plan.push({ workflow, index, variant, cases });
    }
  }
  return plan;
}
