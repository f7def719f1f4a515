import { resolve } from 'node:path';
import type { Config } from '../config/config-schema.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { storePathOf } from '../config/store-location.js';
import { TOOL_VERSION } from '../core/tool-version.js';
import { applyOptimization } from '../optimizer/apply-optimization.js';
import { OptimizeError } from '../optimizer/optimize-error.js';
import { optimize, type OptimizationOutcome } from '../optimizer/optimize.js';
import { writeOptimizationOutputs, type OptimizeJson } from '../optimizer/optimization-outputs.js';
import { OpenAiProposer } from '../optimizer/proposer.js';
import { ProposerRunner } from '../optimizer/proposer-runner.js';
import type { CandidateEvent, Strategy } from '../optimizer/search.js';
import { percent } from '../report/percent.js';
import { cleanCommandLine } from '../run/sandbox.js';
import { RunStore } from '../store/run-store.js';
import { startSimulator, type BuiltIn } from '../run/built-in-simulator.js';

/** The `optimize` command's options, as parsed. */
export interface OptimizeCommandOptions {
  readonly config: string;
  readonly workflow?: string;
  readonly strategy?: Strategy;
  readonly budgetRuns?: number;
  readonly seed?: number;
  readonly output?: string;
  readonly apply: boolean;
  readonly publish: boolean;
  readonly resume?: string;
  readonly json: boolean;
}

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * The proposer the settings name: `optimization.proposer`, else the `llm` section; with the
 * built-in simulator and neither, its simulated proposer.
 * @throws OptimizeError (`E_OPTIMIZE_CONFIG`) when there is none, before anything runs.
 */
function proposerFor(config: Config, builtIn: BuiltIn | undefined): ProposerRunner {
  const section = config.optimization.proposer;
  const llm = config.llm;
  const settings =
    section ??
    (llm === undefined
      ? undefined
      : { ...llm, price: undefined, max_attempts: llm.max_attempts, timeout: llm.timeout });
  const simulated = (settings?.base_url ?? 'simulator') === 'simulator';
  if (simulated && builtIn === undefined)
    throw new OptimizeError(
      'E_OPTIMIZE_CONFIG',
      settings === undefined
        ? 'optimization needs a proposer: set optimization.proposer (base_url, model, api_key) or the llm section'
        : 'optimization.proposer.base_url: simulator needs dify.base_url: simulator',
    );
  const baseUrl = simulated ? `${builtIn?.simulator.url ?? ''}/v1` : (settings?.base_url ?? '');
  return new ProposerRunner(
    new OpenAiProposer({
      baseUrl,
      model: settings?.model ?? 'simulated-proposer',
      apiKey: settings?.api_key,
      temperature: settings?.temperature ?? 0.7,
      timeoutMs: (settings?.timeout ?? 120) * 1000,
    }),
    {
      maxAttempts: settings?.max_attempts ?? 3,
      backoff: settings?.backoff ?? 1,
      timeout: settings?.timeout ?? 120,
      price: section?.price,
    },
  );
}

/** What must hold of a configuration before an optimization may start. */
function checkSetup(loaded: LoadedConfig): void {
  const { dify } = loaded.config;
  if (dify.base_url === 'simulator') return;
  if (dify.email === undefined || dify.password === undefined)
    throw new OptimizeError(
      'E_OPTIMIZE_CONFIG',
      `${loaded.file}: dify.email and dify.password are needed: the optimization runs candidates through the console`,
    );
  for (const workflow of loaded.config.workflows)
    if (workflow.app_id === undefined)
      throw new OptimizeError(
        'E_OPTIMIZE_CONFIG',
        `${loaded.file}: workflows.${workflow.id}.app_id is needed: the console's id of the app to optimize`,
      );
}

function eventLine(event: CandidateEvent): string {
  const mini =
    event.childMinibatch === undefined
      ? ''
      : ` minibatch ${percent(event.parentMinibatch ?? 0)} → ${percent(event.childMinibatch)}`;
  const validation =
    event.validation === undefined ? '' : `, validation ${percent(event.validation)}`;
  return `  ${event.id} (${event.target}, from ${event.parent}): ${event.status}${mini}${validation} [${String(event.runsAt)} runs]${event.status === 'refused' ? `: ${event.reason}` : ''}`;
}

function summary(outcome: OptimizationOutcome, json: OptimizeJson): string[] {
  const best = json.best.heldout === null ? 'not tested' : percent(json.best.heldout);
  return [
    `${json.accepted ? 'accepted' : 'not accepted'}: ${json.reason}`,
    `  baseline: validation ${percent(json.baseline.validation)}, held-out ${percent(json.baseline.heldout)}`,
    `  pick ${json.best.candidate_id}: validation ${percent(json.best.validation)}, held-out ${best}`,
    `  runs ${String(json.runs_used)} of ${String(json.budget.runs)}, proposer calls ${String(json.proposer_calls)}, candidates ${String(json.candidates)}, cost ${outcome.cost.toFixed(4)}; the search stopped: ${outcome.search.stopReason}`,
    `  patched DSL ${json.dsl_path}`,
    `  prompt diff ${json.diff_path}`,
    `  report ${json.report_path}`,
    json.applied
      ? `  applied to app ${outcome.appId}${json.published ? ' and published' : ''}`
      : '',
  ].filter((line) => line !== '');
}

/**
 * `dify-autoopt optimize`: improves a workflow's prompts on a sandbox copy, proves the pick on
 * held-out cases, writes the patched DSL, diff, report and `optimize.json`, applies and
 * publishes on request; returns the exit code (0 completed, accepted or not; 130 interrupted).
 */
export async function optimizeCommand(
  options: OptimizeCommandOptions,
  signal: AbortSignal,
  io: Io,
): Promise<number> {
  const loaded = await loadConfig(options.config);
  checkSetup(loaded);
  const store = RunStore.open(storePathOf(loaded));
  const builtIn =
    loaded.config.dify.base_url === 'simulator' ? await startSimulator(loaded) : undefined;
  // With --json, stdout holds the JSON alone.
  const say = options.json ? io.err : io.out;
  let id = options.resume;
  try {
    if (builtIn !== undefined) say(`using the built-in Dify simulator on ${builtIn.simulator.url}`);
    const outcome = await optimize({
      loaded,
      store,
      toolVersion: TOOL_VERSION,
      overrides: {
        workflow: options.workflow,
        strategy: options.strategy,
        budgetRuns: options.budgetRuns,
        seed: options.seed,
      },
      resume: options.resume,
      proposer: proposerFor(loaded.config, builtIn),
      console: builtIn?.console,
      signal,
      onStage: (line) => {
        say(line);
      },
      onEvent: (event) => {
        say(eventLine(event));
      },
      onStart: (started) => {
        id = started;
        say(`optimization ${started}`);
      },
    });
    let state = { applied: false, published: false };
    let applyError: Error | undefined;
    if (options.apply || options.publish) {
      try {
        state = await applyOptimization(outcome, { publish: options.publish, signal });
      } catch (error) {
        applyError = error instanceof Error ? error : new Error(String(error));
      }
    }
    const dir = resolve(options.output ?? `optimizations/${outcome.id}`);
    const json = await writeOptimizationOutputs(outcome, dir, state);
    store.setOptimizationStatus(outcome.id, 'finished', json);
    for (const line of summary(outcome, json)) say(line);
    if (options.json) io.out(JSON.stringify(json, null, 2));
    if (applyError !== undefined) throw applyError;
    if ((options.apply || options.publish) && !outcome.accepted)
      say('nothing applied: no improvement was proven');
    return 0;
  } catch (error) {
    if (
      error instanceof OptimizeError &&
      error.code === 'E_OPTIMIZE_INTERRUPTED' &&
      id !== undefined
    ) {
      io.err(`interrupted: resume with dify-autoopt optimize -c ${options.config} --resume ${id}`);
      return 130;
    }
    if (id !== undefined && store.sandboxes(id).some((s) => s.deletedAt === null))
      io.err(`a sandbox copy was left in the console: ${cleanCommandLine(id, options.config)}`);
    throw error;
  } finally {
    store.close();
    await builtIn?.simulator.close();
  }
}
