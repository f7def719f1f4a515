import type { Judge } from '../assertions/assertion.js';
import { apiBaseOf, type WorkflowConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { DifyConsoleClient } from '../dify/console-client.js';
import { DifyError } from '../dify/dify-error.js';
import type { Fetch } from '../dify/dify-http.js';
import { CancellationToken } from '../executor/cancellation-token.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';
import type { RateLimit } from '../executor/rate-limit.js';
import { RateLimiter } from '../executor/rate-limiter.js';
import type { ResultRecord, RunState, RunStore } from '../store/run-store.js';
import { StoreError } from '../store/store-error.js';
import { onBuiltInWhenSimulated } from './built-in-simulator.js';
import { loginConsole } from './console-login.js';
import { executionPolicyFromConfig } from './execution-policy-from-config.js';
import { JudgeRunner } from './judge-runner.js';
import { openRun, type Continuation, type OpenedRun } from './open-run.js';
import { prepareRun, type PreparedRun } from './prepare-run.js';
import { RunNotFoundError } from './run-not-found-error.js';
import { InFlightCounter } from './in-flight-counter.js';
import { runCases } from './run-cases.js';
import type { RunProgress } from './run-progress.js';
import { storeSink, teeSink, type ResultSink } from './result-sink.js';
import { finishRun, type SuiteSummary } from './summarize-run.js';
import type { CaseTarget } from './case-target.js';
import { SandboxError } from './sandbox.js';
import { workflowTargets, type TargetsContext, type WorkflowTargets } from './workflow-targets.js';

export type { SuiteSummary } from './summarize-run.js';

/** How to run a suite. */
export interface RunSuiteOptions {
  readonly loaded: LoadedConfig;
  readonly store: RunStore;
  /** The tool's version, stored with the run. */
  readonly toolVersion: string;
  /** Overrides `dify.api_base` (the built-in simulator's address, say). */
  readonly apiBase?: string | undefined;
  /** Overrides `dify.base_url`, `email` and `password` for the console (the simulator's). */
  readonly console?:
    { readonly baseUrl: string; readonly email: string; readonly password: string } | undefined;
  readonly fetch?: Fetch | undefined;
  /** `-j`: overrides `execution.concurrency`. */
  readonly concurrency?: number | undefined;
  /** Only cases whose id or workflow id contains this text. */
  readonly filter?: string | undefined;
  /** Overrides every workflow's `repeat`. */
  readonly repeat?: number | undefined;
  /** Continues this run: what finished is not run again. */
  readonly resume?: string | undefined;
  /** Resumes even with cases the run does not have (another configuration's). */
  readonly force?: boolean | undefined;
  /** Runs again the cases of this run that failed, timed out or errored. */
  readonly retryErrors?: string | undefined;
  /** Ctrl-C: no new case starts, Dify runs in flight are stopped, finished results kept. */
  readonly signal?: AbortSignal | undefined;
  /** Live progress, for displays. */
  readonly progress?: RunProgress | undefined;
  /** Each result the moment it is stored (a JSONL report streams them). */
  readonly onResult?: ((result: ResultRecord) => void) | undefined;
  /** Grades `llm_judge` assertions in place of the configured `judge` endpoint. */
  readonly judge?: Judge | undefined;
  readonly now?: () => Date;
}

/** New, resume or retry-errors, as the options say. */
export function continuation(options: RunSuiteOptions): Continuation {
  if (options.resume !== undefined)
    return { kind: 'resume', runId: options.resume, force: options.force === true };
  if (options.retryErrors !== undefined)
    return { kind: 'retry-errors', runId: options.retryErrors };
  return { kind: 'new', toolVersion: options.toolVersion };
}

/** A failure that must stop the whole run: a revoked key, a spent quota, a daily cap. */
function fatalReason(error: unknown): string | undefined {
  return error instanceof DifyError && error.fatal ? error.message : undefined;
}

/** The console, logged in on first use, once per run. */
function consoleSession(options: RunSuiteOptions): () => Promise<DifyConsoleClient> {
  let session: Promise<DifyConsoleClient> | undefined;
  const { dify } = options.loaded.config;
  return () => {
    session ??= loginConsole(dify, options.console, options.fetch);
    return session;
  };
}

/** What a run's groups came to. */
interface Execution {
  readonly stopReason: string | undefined;
  /** A result the store could not take (a full disk, say): the run stops, the error is thrown. */
  readonly storeFailure: Error | undefined;
  readonly targets: ReadonlyMap<WorkflowConfig, WorkflowTargets>;
}

/**
 * Runs a configuration's suite: plans every workflow's cases (once per prompt variant), opens
 * the run in the store, runs the cases of each workflow and variant through one executor policy
 * and rate limit against their target, stores each result the moment it ends, deletes the
 * sandboxes the variants ran on once the run is finished, and returns the run's summary. Resume
 * and retry-errors continue a stored run without running again what should not be. With
 * `dify.base_url: simulator` and no `apiBase`, the built-in simulator serves the run and is
 * stopped when it ends, however it ends.
 * @throws ConfigError, RunNotFoundError (`E_RUN_NOT_FOUND`), StoreError, DifyError or
 * SandboxError before anything runs.
 */
export function runSuite(options: RunSuiteOptions): Promise<SuiteSummary> {
  return onBuiltInWhenSimulated(options, runSuiteOn);
}

async function runSuiteOn(options: RunSuiteOptions): Promise<SuiteSummary> {
  const { loaded, store } = options;
  const now = options.now ?? (() => new Date());
  const started = now();
  const how = continuation(options);
  // A missing run is the first thing to say, before any planning.
  if (how.kind !== 'new' && store.getRun(how.runId) === undefined)
    throw new RunNotFoundError(how.runId);
  const session = consoleSession(options);
  const prepared = await prepareRun(loaded, store, {
    now: started,
    repeat: options.repeat,
    filter: options.filter,
    judge: options.judge,
    console: session,
    signal: options.signal,
  });
  const opened = openRun(
    store,
    loaded,
    prepared.plan.map((p) => p.cases),
    how,
    { now: started },
  );
  options.progress?.begin(opened.total);
  const { runId } = opened;
  let execution: Execution;
  try {
    execution = await execute(options, prepared, opened, session);
  } catch (error) {
    // Whatever ends a run early (a first call that cannot reach Dify, say) leaves it final.
    markStopped(store, runId, error);
    throw error;
  }
  const { stopReason, storeFailure, targets } = execution;
  if (storeFailure !== undefined) throw withResumeHint(storeFailure, store, runId);
  const interrupted = options.signal?.aborted === true;
  const status: RunState =
    stopReason !== undefined ? 'stopped' : interrupted ? 'interrupted' : 'finished';
  // A finished run is done with its sandboxes; a stopped or interrupted one keeps them to resume.
  if (status === 'finished')
    for (const { sandbox } of targets.values()) await sandbox?.delete().catch(() => undefined);
  return finishRun(
    store,
    runId,
    { status, reason: stopReason ?? (interrupted ? 'interrupted by the user' : undefined) },
    {
      wallMs: now().getTime() - started.getTime(),
      judge: prepared.judge instanceof JudgeRunner ? prepared.judge.usage : undefined,
    },
  );
}

/** Runs the pending cases of each workflow and variant in turn, each result to the store. */
async function execute(
  options: RunSuiteOptions,
  prepared: PreparedRun,
  opened: OpenedRun,
  session: () => Promise<DifyConsoleClient>,
): Promise<Execution> {
  const { loaded, store } = options;
  const { config } = loaded;
  const { runId } = opened;
  const token = new CancellationToken();
  const onAbort = (): void => {
    token.cancel('interrupted');
  };
  // A signal aborted before the run starts stops it as one aborted during the run would.
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  let storeFailure: Error | undefined;
  const sink: ResultSink = teeSink(
    storeSink(store, runId, {
      onCommit: options.onResult,
      onFailure: (error) => {
        storeFailure = error;
        token.cancel('the run store failed');
      },
    }),
    { write: (record) => options.progress?.recorded(record), flush: () => undefined },
  );
  const limit = config.execution.rate_limit;
  const user = `${config.dify.user_prefix}-${runId}`;
  const shared = {
    user,
    policy: executionPolicyFromConfig(config.execution, { concurrency: options.concurrency }),
    // One limit for every workflow and variant of the run.
    rateLimiter:
      limit === undefined
        ? undefined
        : new RateLimiter({ perMinute: limit.per_minute, burst: limit.burst }),
    // Dify calls still finishing (a stop request) after their task moved on.
    settling: new InFlightCounter(),
    targets: new Map<WorkflowConfig, WorkflowTargets>(),
    context: {
      loaded,
      store,
      runId,
      user,
      apiBase: options.apiBase ?? apiBaseOf(config.dify),
      fetch: options.fetch,
      console: session,
      signal: token.signal,
    },
  };
  let stopReason: string | undefined;
  try {
    stopReason = await runGroups(options, prepared, opened, { ...shared, token, sink });
  } finally {
    sink.flush();
    options.signal?.removeEventListener('abort', onAbort);
    // Let aborted Dify calls send their stop request before the process may exit.
    await Promise.race([
      shared.settling.drained(),
      new Promise((r) => setTimeout(r, 6000).unref()),
    ]);
  }
  return { stopReason, storeFailure, targets: shared.targets };
}

/** Each group in turn: its target made ready, then its cases; the first stop reason, if any. */
async function runGroups(
  options: RunSuiteOptions,
  prepared: PreparedRun,
  opened: OpenedRun,
  run: {
    readonly user: string;
    readonly policy: ExecutionPolicyInput;
    readonly rateLimiter: RateLimit | undefined;
    readonly settling: InFlightCounter;
    readonly targets: Map<WorkflowConfig, WorkflowTargets>;
    readonly context: TargetsContext;
    readonly token: CancellationToken;
    readonly sink: ResultSink;
  },
): Promise<string | undefined> {
  const { token, targets } = run;
  let stopReason: string | undefined;
  for (const [g, group] of prepared.plan.entries()) {
    const cases = opened.pending[g];
    if (cases === undefined || cases.count === 0 || token.isCancelled) continue;
    const { workflow } = group;
    let target: CaseTarget;
    try {
      let forWorkflow = targets.get(workflow);
      if (forWorkflow === undefined) {
        const app = prepared.variantApps.get(workflow);
        forWorkflow = await workflowTargets(workflow, group.index, cases, run.context, app);
        targets.set(workflow, forWorkflow);
      }
      target = await forWorkflow.use(group.variant?.name, token.signal);
    } catch (error) {
      // A sandbox that cannot be made or synced stops the run; resume tries again.
      if (!(error instanceof SandboxError)) throw error;
      return error.message;
    }
    const caseContext = {
      target,
      grader: prepared.graders.get(workflow),
      judge: prepared.judge,
      user: run.user,
    };
    const outcome = await runCases(cases, () => caseContext, run.sink, {
      runId: opened.runId,
      policy: run.policy,
      token,
      grading: options.loaded.config.grading,
      rateLimiter: run.rateLimiter,
      observer: options.progress?.observer,
      stopOn: fatalReason,
      settling: run.settling,
    });
    stopReason ??= outcome.stopReason;
  }
  return stopReason;
}

/** A run that an error ended, marked stopped with it (when the store still takes it). */
function markStopped(store: RunStore, runId: string, error: unknown): void {
  try {
    store.setRunStatus(runId, 'stopped', {
      reason: error instanceof Error ? error.message : String(error),
    });
  } catch {
    // The store may be what failed; the results it took are kept either way.
  }
}

/** The store's failure, marked on the run when the store still takes it, with how to resume. */
function withResumeHint(failure: Error, store: RunStore, runId: string): Error {
  try {
    store.setRunStatus(runId, 'interrupted', { reason: failure.message });
  } catch {
    // The store that failed may refuse this too; the results it took are kept either way.
  }
  return failure instanceof StoreError
    ? new StoreError(
        failure.code,
        `${failure.detail}; once it can be written, resume with --resume ${runId}`,
        failure.path,
        { cause: failure },
      )
    : failure;
}
