import type { Judge } from '../assertions/assertion.js';
import { CaseGrader } from '../assertions/case-grader.js';
import type { Config, WorkflowConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { DifyConsoleClient } from '../dify/console-client.js';
import type { RunStore } from '../store/run-store.js';
import type { RateLimit } from '../executor/rate-limit.js';
import { JudgeRunner } from './judge-runner.js';
import { planCases, type PlannedWorkflow } from './plan-cases.js';
import { inspectVariants, type VariantApp } from './workflow-targets.js';

/** What a run knows before anything of it is stored: its cases, graders, judge and variants. */
export interface PreparedRun {
  /** Each workflow, once per variant, with its cases. */
  readonly plan: readonly PlannedWorkflow[];
  readonly graders: ReadonlyMap<WorkflowConfig, CaseGrader>;
  readonly judge: Judge | undefined;
  /** The apps of the workflows with variants, exported and checked. */
  readonly variantApps: ReadonlyMap<WorkflowConfig, VariantApp>;
}

/**
 * Plans a run and checks everything that can be wrong with it before it is stored: assertions
 * compile, the judge is built, and each workflow's variants are checked against its app.
 * @throws ConfigError, DifyError (a refused console login, …)
 */
export async function prepareRun(
  loaded: LoadedConfig,
  store: RunStore,
  options: {
    readonly now: Date;
    readonly repeat?: number | undefined;
    readonly filter?: string | undefined;
    readonly judge?: Judge | undefined;
    readonly console: () => Promise<DifyConsoleClient>;
    readonly signal?: AbortSignal | undefined;
  },
): Promise<PreparedRun> {
  const { config } = loaded;
  const plan = await planCases(loaded, options);
  const graders = new Map<WorkflowConfig, CaseGrader>();
  for (const { workflow } of plan)
    if (!graders.has(workflow))
      graders.set(
        workflow,
        new CaseGrader([...config.default_assert, ...workflow.assert], {
          threshold: workflow.threshold,
        }),
      );
  const judge =
    options.judge ??
    ([...graders.values()].some((grader) => grader.usesJudge)
      ? await judgeFor(config, { store })
      : undefined);
  const variantApps = new Map<WorkflowConfig, VariantApp>();
  for (const { workflow, index } of plan) {
    if (workflow.variants === undefined || variantApps.has(workflow)) continue;
    const lists = plan.filter((p) => p.workflow === workflow).map((p) => p.cases);
    const cases = (function* all() {
      for (const list of lists) yield* list;
    })();
    variantApps.set(
      workflow,
      await inspectVariants(workflow, index, cases, {
        loaded,
        console: options.console,
        signal: options.signal ?? new AbortController().signal,
      }),
    );
  }
  return { plan, graders, judge, variantApps };
}

/**
 * The configured judge, run through the executor, cached in `store` when given, its calls'
 * tokens from `rateLimiter` when given (a distributed run's shared one).
 */
export async function judgeFor(
  config: Config,
  options: { readonly store?: RunStore; readonly rateLimiter?: RateLimit | undefined },
): Promise<JudgeRunner | undefined> {
  const settings = config.judge;
  if (settings === undefined) return undefined;
  // Loaded only by runs that grade with a judge: the package is large.
  const { OpenAiJudge } = await import('../assertions/openai-judge.js');
  return new JudgeRunner({
    judge: new OpenAiJudge({
      baseUrl: settings.base_url,
      model: settings.model,
      apiKey: settings.api_key,
      temperature: settings.temperature,
      timeoutMs: settings.timeout * 1000,
    }),
    config: settings,
    store: options.store,
    rateLimiter: options.rateLimiter,
  });
}
