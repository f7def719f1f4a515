import { createHash } from 'node:crypto';
import { CaseGrader } from '../assertions/case-grader.js';
import type { Judge } from '../assertions/assertion.js';
import type { LoadedConfig } from '../config/load-config.js';
import { redactSecrets } from '../config/redact-secrets.js';
import { createSeededRandom } from '../core/seeded-random.js';
import { DifyConsoleClient } from '../dify/console-client.js';
import { DifyError } from '../dify/dify-error.js';
import { DslDocument } from '../dify/dsl-document.js';
import { promptSlots, type PromptSlot } from '../dify/prompt-slots.js';
import type { Fetch } from '../dify/dify-http.js';
import { RateLimiter } from '../executor/rate-limiter.js';
import { executionPolicyFromConfig } from '../run/execution-policy-from-config.js';
import { loginConsole } from '../run/console-login.js';
import { newRunId } from '../run/open-run.js';
import type { PlannedCase } from '../run/planned-case.js';
import { Sandbox } from '../run/sandbox.js';
import type { RunStore } from '../store/run-store.js';
import { decideAcceptance, type AcceptanceVerdict } from './acceptance.js';
import { Budget, checkRunBudget } from './budget.js';
import { candidateTargets } from './candidate-targets.js';
import { Evaluator, type Evaluation } from './evaluator.js';
import { Journal } from './journal.js';
import { optimizationCases } from './optimization-cases.js';
import {
  chooseWorkflow,
  settingsOf,
  type OptimizationSettings,
  type SettingsOverrides,
} from './optimization-settings.js';
import { OptimizeError } from './optimize-error.js';
import { promptPlace, type PromptPlace } from './proposer-request.js';
import type { ProposerRunner } from './proposer-runner.js';
import {
  evaluationMean,
  promptTokens,
  scoreMap,
  search,
  type CandidateEvent,
  type SearchCandidate,
  type SearchOutcome,
} from './search.js';

/** How to run an optimization. */
export interface OptimizeOptions {
  readonly loaded: LoadedConfig;
  readonly store: RunStore;
  readonly toolVersion: string;
  readonly overrides: SettingsOverrides;
  /** Continues this optimization: nothing that finished runs again. */
  readonly resume?: string | undefined;
  /** The proposer, made from the settings (`optimization.proposer` or `llm`). */
  readonly proposer: ProposerRunner;
  /** Overrides `dify.base_url`, `email` and `password` (the built-in simulator's). */
  readonly console?:
    { readonly baseUrl: string; readonly email: string; readonly password: string } | undefined;
  readonly fetch?: Fetch | undefined;
  readonly judge?: Judge | undefined;
  readonly signal: AbortSignal;
  readonly onEvent?: ((event: CandidateEvent) => void) | undefined;
  readonly onStage?: ((line: string) => void) | undefined;
  /** The optimization's id, once it is stored (to say how to resume it). */
  readonly onStart?: ((id: string) => void) | undefined;
}

/** An optimization's end, before its files are written. */
export interface OptimizationOutcome {
  readonly id: string;
  readonly settings: OptimizationSettings;
  readonly appId: string;
  readonly source: DslDocument;
  readonly targets: readonly PromptSlot[];
  /** What the user's app looked like at the export: its draft hash, or the DSL's digest. */
  readonly exportedHash: string;
  readonly baseline: { readonly validation: number; readonly heldout: number };
  readonly search: SearchOutcome;
  /** The final pick's held-out evaluation, when one was run. */
  readonly bestHeldout: number | undefined;
  readonly verdict: AcceptanceVerdict | undefined;
  readonly accepted: boolean;
  readonly reason: string;
  readonly heldoutFlips: readonly HeldoutFlip[];
  readonly runsUsed: number;
  readonly proposerCalls: number;
  readonly cost: number;
  readonly console: DifyConsoleClient;
}

/** A held-out case whose pass rate moved between the baseline and the pick. */
export interface HeldoutFlip {
  readonly key: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly baseline: readonly number[];
  readonly best: readonly number[];
}

/** The prompts to optimize: all of the app's, or those `targets` names (each must exist). */
function targetSlots(
  slots: readonly PromptSlot[],
  settings: OptimizationSettings,
  appId: string,
): PromptSlot[] {
  if (slots.length === 0)
    throw new OptimizeError('E_OPTIMIZE_TARGET', `app ${appId} has no prompt to optimize`);
  if (settings.targets === 'all') return [...slots];
  const known = slots.map((s) => s.address);
  return settings.targets.map((address) => {
    const slot = slots.find((s) => s.address === address);
    if (slot === undefined)
      throw new OptimizeError(
        'E_OPTIMIZE_TARGET',
        `optimization.targets: app ${appId} has no prompt ${address}; it has ${known.join(', ')}`,
      );
    return slot;
  });
}

/**
 * Exports the app (only read) and what it looked like: a workflow's draft hash, or the digest
 * of a chat or completion app's DSL.
 * @throws OptimizeError (`E_OPTIMIZE_CONFIG`) for an app the console does not have; DifyError.
 */
async function exportApp(
  console: DifyConsoleClient,
  appId: string,
  workflowId: string,
  signal: AbortSignal,
): Promise<{ readonly source: DslDocument; readonly exportedHash: string }> {
  let exported: string;
  try {
    exported = await console.exportDsl(appId, { signal });
  } catch (error) {
    if (error instanceof DifyError && error.status === 404)
      throw new OptimizeError(
        'E_OPTIMIZE_CONFIG',
        `workflows.${workflowId}.app_id: the console has no app ${appId}`,
        { cause: error },
      );
    throw error;
  }
  const source = DslDocument.parse(exported, `app ${appId}`);
  const exportedHash =
    source.mode === 'workflow' || source.mode === 'advanced-chat'
      ? (await console.getDraft(appId, { signal })).hash
      : createHash('sha256').update(exported).digest('hex');
  return { source, exportedHash };
}

/** Stores a new optimization (its run too), or marks a resumed one running again. */
function recordStart(
  options: OptimizeOptions,
  opened: {
    readonly id: string;
    readonly settings: OptimizationSettings;
    readonly resumed: boolean;
  },
  workflowId: string,
): void {
  const { store, loaded } = options;
  const { id, settings } = opened;
  if (opened.resumed) {
    store.setRunStatus(id, 'running');
    store.setOptimizationStatus(id, 'running');
    return;
  }
  store.createRun({
    id,
    configFile: loaded.file,
    config: redactSecrets(loaded.config),
    toolVersion: options.toolVersion,
  });
  store.createOptimization({ id, workflowId, strategy: settings.strategy, settings });
}

/** The stored settings of an optimization to resume, or new ones. */
function openOptimization(options: OptimizeOptions): {
  readonly id: string;
  readonly settings: OptimizationSettings;
  readonly resumed: boolean;
} {
  const { store, loaded } = options;
  if (options.resume !== undefined) {
    const stored = store.getOptimization(options.resume);
    if (stored === undefined)
      throw new OptimizeError(
        'E_OPTIMIZE_NOT_FOUND',
        `no optimization ${options.resume} in the run store`,
      );
    return { id: stored.id, settings: stored.settings as OptimizationSettings, resumed: true };
  }
  const workflow = chooseWorkflow(loaded.config, options.overrides.workflow);
  const settings = settingsOf(loaded.config.optimization, workflow.id, options.overrides);
  return { id: newRunId(new Date()), settings, resumed: false };
}

/**
 * Optimizes one workflow's prompts (the optimizer spec, §3): exports the app (only read), splits
 * the cases, evaluates the baseline, searches on a sandbox copy within the budget, tests the one
 * final pick on the held-out cases and decides. Every evaluation, reply and candidate is stored
 * as it ends, so `resume` goes on from there; the sandbox is deleted at the end, whatever ends it.
 * @throws OptimizeError, SplitError, BudgetError, ConfigError, DifyError (before any run, for
 * what is wrong with the setup); OptimizeError `E_OPTIMIZE_INTERRUPTED` on Ctrl-C.
 */
export async function optimize(options: OptimizeOptions): Promise<OptimizationOutcome> {
  const { loaded, store, signal } = options;
  const { config } = loaded;
  const opened = openOptimization(options);
  const { id, settings } = opened;
  const workflow = chooseWorkflow(config, settings.workflow);
  const cases = await optimizationCases(loaded, workflow, settings);
  checkRunBudget(settings.budget.runs, {
    validationRuns: cases.validation.length,
    heldoutRuns: cases.heldout.length,
  });
  const appId = workflow.app_id ?? workflow.id;
  const console = await loginConsole(options.loaded.config.dify, options.console, options.fetch);
  const { source, exportedHash } = await exportApp(console, appId, workflow.id, signal);
  const targets = targetSlots(promptSlots(source), settings, appId);
  recordStart(options, opened, workflow.id);
  options.onStart?.(id);
  const sandbox =
    source.mode === 'workflow' || source.mode === 'advanced-chat'
      ? await Sandbox.open({
          console,
          store,
          runId: id,
          workflowId: workflow.id,
          sourceAppId: appId,
          source,
          signal,
        })
      : undefined;
  try {
    const outcome = await optimizeOn(options, {
      id,
      settings,
      workflow,
      cases,
      appId,
      source,
      targets,
      console,
      sandbox,
      exportedHash,
    });
    store.setRunStatus(id, 'finished');
    return outcome;
  } catch (caught) {
    // Whatever Ctrl-C cut short (a run, a sync, a proposer call) is an interruption.
    const error =
      signal.aborted && !(caught instanceof OptimizeError)
        ? new OptimizeError('E_OPTIMIZE_INTERRUPTED', 'interrupted by the user', { cause: caught })
        : caught;
    const interrupted = error instanceof OptimizeError && error.code === 'E_OPTIMIZE_INTERRUPTED';
    const reason = error instanceof Error ? error.message : String(error);
    store.setRunStatus(id, interrupted ? 'interrupted' : 'stopped', { reason });
    store.setOptimizationStatus(id, interrupted ? 'interrupted' : 'failed', { error: reason });
    throw error;
  } finally {
    await sandbox?.delete().catch(() => undefined);
  }
}

/** What an optimization set up before its first run. */
interface Setup {
  readonly id: string;
  readonly settings: OptimizationSettings;
  readonly workflow: LoadedConfig['config']['workflows'][number];
  readonly cases: Awaited<ReturnType<typeof optimizationCases>>;
  readonly appId: string;
  readonly source: DslDocument;
  readonly targets: readonly PromptSlot[];
  readonly console: DifyConsoleClient;
  readonly sandbox: Sandbox | undefined;
  readonly exportedHash: string;
}

const keyOf = (c: PlannedCase): string => String(c.caseIndex);

/** The evaluator of an optimization's candidates: the run pipeline on their targets. */
function evaluatorFor(options: OptimizeOptions, setup: Setup, journal: Journal): Evaluator {
  const { config } = options.loaded;
  const { workflow } = setup;
  const limit = config.execution.rate_limit;
  return new Evaluator({
    store: options.store,
    runId: setup.id,
    journal,
    targets: candidateTargets({
      console: setup.console,
      appId: setup.appId,
      workflowId: workflow.id,
      source: setup.source,
      sandbox: setup.sandbox,
    }),
    grader: new CaseGrader([...config.default_assert, ...workflow.assert], {
      threshold: workflow.threshold,
    }),
    judge: options.judge,
    user: `${config.dify.user_prefix}-${setup.id}`,
    policy: executionPolicyFromConfig(config.execution, {}),
    grading: config.grading,
    rateLimiter:
      limit === undefined
        ? undefined
        : new RateLimiter({ perMinute: limit.per_minute, burst: limit.burst }),
    signal: options.signal,
  });
}

/** The search from the baseline, on the train and validation cases. */
function searchFrom(
  options: OptimizeOptions,
  setup: Setup,
  parts: {
    readonly evaluator: Evaluator;
    readonly journal: Journal;
    readonly budget: Budget;
    readonly random: () => number;
    readonly baseline: Evaluation;
  },
): Promise<SearchOutcome> {
  const { settings, cases, source, targets } = setup;
  const baseline: SearchCandidate = {
    id: 'c0',
    prompts: {},
    parent: undefined,
    target: undefined,
    reasoning: '',
    scores: scoreMap(parts.baseline),
    promptTokens: promptTokens(targets, {}),
    runsAt: parts.budget.spent.runs,
  };
  return search(baseline, {
    ...parts,
    strategy: settings.strategy,
    proposer: options.proposer,
    source,
    appName: setup.sandbox?.name ?? source.name,
    targets,
    places: new Map<string, PromptPlace>(
      targets.map((slot) => [slot.address, promptPlace(source, slot)]),
    ),
    train: cases.train,
    validation: cases.validation,
    keyOf,
    minibatch: settings.minibatch,
    reserve: cases.heldout.length,
    signal: options.signal,
    onEvent: options.onEvent,
  });
}

/** Everything set up: the baseline, the search, the held-out proof. */
async function optimizeOn(options: OptimizeOptions, setup: Setup): Promise<OptimizationOutcome> {
  const { store } = options;
  const { id, settings, cases, source, targets } = setup;
  const journal = new Journal(store, id);
  journal.keepBaselinePrompts(Object.fromEntries(targets.map((s) => [s.address, s.text])));
  const earlierMs = store
    .optimizationSteps(id, 'evaluation')
    .reduce<number>((sum, e) => sum + (e as Evaluation).ms, 0);
  const budget = new Budget(settings.budget, { elapsedMs: earlierMs });
  const evaluator = evaluatorFor(options, setup, journal);
  const evaluate = async (
    candidate: { readonly id: string; readonly prompts: Readonly<Record<string, string>> },
    set: 'validation' | 'heldout',
  ): Promise<Evaluation> => {
    const e = await evaluator.evaluate(candidate, set, cases[set], keyOf);
    budget.spend({ runs: e.runs, cost: e.cost });
    return e;
  };
  options.onStage?.(
    `baseline: ${String(cases.validation.length)} validation and ${String(cases.heldout.length)} held-out runs`,
  );
  const baselineValidation = await evaluate({ id: 'c0', prompts: {} }, 'validation');
  const baselineHeldout = await evaluate({ id: 'c0', prompts: {} }, 'heldout');
  const random = createSeededRandom(settings.seed);
  options.onStage?.(
    `search: ${settings.strategy}, ${String(targets.length)} target prompt(s), budget ${String(settings.budget.runs)} runs`,
  );
  const found = await searchFrom(options, setup, {
    evaluator,
    journal,
    budget,
    random,
    baseline: baselineValidation,
  });
  let bestHeldout: Evaluation | undefined;
  if (found.best.id !== 'c0') {
    options.onStage?.(`held-out proof of ${found.best.id}: ${String(cases.heldout.length)} runs`);
    bestHeldout = await evaluate(found.best, 'heldout');
  }
  const verdict =
    bestHeldout === undefined
      ? undefined
      : decideAcceptance(
          Object.keys(baselineHeldout.scores).map((k) => baselineHeldout.scores[k] ?? []),
          Object.keys(baselineHeldout.scores).map((k) => bestHeldout.scores[k] ?? []),
          settings.acceptance,
          { random },
        );
  const { spent } = budget;
  return {
    id,
    settings,
    appId: setup.appId,
    source,
    targets,
    exportedHash: setup.exportedHash,
    baseline: {
      validation: evaluationMean(baselineValidation),
      heldout: evaluationMean(baselineHeldout),
    },
    search: found,
    bestHeldout: bestHeldout === undefined ? undefined : evaluationMean(bestHeldout),
    verdict,
    accepted: verdict?.accepted ?? false,
    reason:
      verdict?.reason ?? 'no improvement proven: no candidate beat the baseline on validation',
    heldoutFlips:
      bestHeldout === undefined ? [] : heldoutFlips(baselineHeldout, bestHeldout, cases.heldout),
    runsUsed: spent.runs,
    proposerCalls: spent.proposerCalls,
    cost: spent.cost,
    console: setup.console,
  };
}

/** The held-out cases whose pass rate differs between the baseline and the pick. */
function heldoutFlips(
  baseline: Evaluation,
  best: Evaluation,
  cases: readonly PlannedCase[],
): HeldoutFlip[] {
  const mean = (runs: readonly number[] | undefined): number =>
    runs === undefined || runs.length === 0 ? 0 : runs.reduce((s, v) => s + v, 0) / runs.length;
  return Object.keys(baseline.scores)
    .filter((key) => mean(baseline.scores[key]) !== mean(best.scores[key]))
    .map((key) => ({
      key,
      inputs: cases.find((c) => keyOf(c) === key)?.inputs ?? {},
      baseline: baseline.scores[key] ?? [],
      best: best.scores[key] ?? [],
    }));
}
