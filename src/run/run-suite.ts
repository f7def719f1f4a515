import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Judge } from '../assertions/assertion.js';
import { CaseGrader, type CaseVerdict } from '../assertions/case-grader.js';
import { classify } from '../assertions/grade-class.js';
import { asObject } from '../core/json-value.js';
import { apiBaseOf } from '../config/config-schema.js';
import type { ExpandedCase, FileInputRef } from '../config/expand-cases.js';
import type { LoadedConfig } from '../config/load-config.js';
import { redactSecrets } from '../config/redact-secrets.js';
import { DifyClient, type DifyFileInput } from '../dify/dify-client.js';
import { DifyError } from '../dify/dify-error.js';
import type { Fetch } from '../dify/dify-http.js';
import type { Config } from '../config/config-schema.js';
import type { DifyRunResult } from '../dify/dify-run-result.js';
import { CancellationToken } from '../executor/cancellation-token.js';
import { NonRetryableError } from '../executor/executor-error.js';
import type { TaskResult } from '../executor/task-result.js';
import { TaskScheduler } from '../executor/task-scheduler.js';
import type { CaseRecord, ResultRecord, RunState, RunStore } from '../store/run-store.js';
import { ENDED_STATUSES } from '../store/result-facts.js';
import { StoreError } from '../store/store-error.js';
import { executionPolicyFromConfig } from './execution-policy-from-config.js';
import { InFlightCounter } from './in-flight-counter.js';
import { JudgeRunner, type JudgeUsage } from './judge-runner.js';
import { RunNotFoundError } from './run-not-found-error.js';
import { planCases, type PlannedWorkflow } from './plan-cases.js';
import { RunProgress } from './run-progress.js';

/** How to run a suite. */
export interface RunSuiteOptions {
  readonly loaded: LoadedConfig;
  readonly store: RunStore;
  /** The tool's version, stored with the run. */
  readonly toolVersion: string;
  /** Overrides `dify.api_base` (the built-in simulator's address, say). */
  readonly apiBase?: string | undefined;
  readonly fetch?: Fetch | undefined;
  /** `-j`: overrides `execution.concurrency`. */
  readonly concurrency?: number | undefined;
  /** Only cases whose id or workflow id contains this text. */
  readonly filter?: string | undefined;
  /** Overrides every workflow's `repeat`. */
  readonly repeat?: number | undefined;
  /** Continues this run: what finished is not run again. */
  readonly resume?: string | undefined;
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

/** What a run did. */
export interface SuiteSummary {
  readonly runId: string;
  readonly status: RunState;
  /** Why the run stopped early, if it did. */
  readonly reason: string | undefined;
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Cases that passed: Dify said succeeded and their assertions passed. */
  readonly passed: number;
  /** Passed out of the cases that ended, 0..1. */
  readonly passRate: number;
  readonly perWorkflow: Readonly<
    Record<string, { readonly total: number; readonly passed: number }>
  >;
  readonly totalTokens: number;
  readonly totalCost: number;
  readonly wallMs: number;
  /** The judge's calls, cache hits and failures, when a judge graded. */
  readonly judge: JudgeUsage | undefined;
}

const FAILURES = ['failed', 'timeout', 'error'] as const;

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

const FILE_TYPES: Readonly<Record<string, DifyFileInput['type']>> = {
  '.pdf': 'document',
  '.txt': 'document',
  '.md': 'document',
  '.doc': 'document',
  '.docx': 'document',
  '.csv': 'document',
  '.html': 'document',
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.gif': 'image',
  '.webp': 'image',
  '.mp3': 'audio',
  '.wav': 'audio',
  '.m4a': 'audio',
  '.mp4': 'video',
  '.mov': 'video',
  '.webm': 'video',
};

function isFileRef(value: unknown): value is FileInputRef {
  const object = asObject(value);
  return (
    object !== undefined && typeof object.file === 'string' && Object.keys(object).length === 1
  );
}

/** Uploads each file input once per workflow and swaps it for Dify's file reference. */
async function uploadFiles(
  client: DifyClient,
  cases: readonly ExpandedCase[],
  user: string,
  signal: AbortSignal | undefined,
): Promise<Map<string, DifyFileInput>> {
  const uploaded = new Map<string, DifyFileInput>();
  for (const c of cases) {
    for (const value of Object.values(c.inputs)) {
      if (!isFileRef(value) || uploaded.has(value.file)) continue;
      const data = await readFile(value.file);
      const file = await client.uploadFile({ data, filename: basename(value.file) }, user, {
        signal,
      });
      uploaded.set(value.file, {
        type: FILE_TYPES[extname(value.file).toLowerCase()] ?? 'custom',
        transfer_method: 'local_file',
        upload_file_id: file.id,
      });
    }
  }
  return uploaded;
}

/**
 * Runs a configuration's suite: expands every workflow's cases, runs them through the executor
 * against Dify, stores each result the moment it ends, and returns the run's summary. Resume
 * and retry-errors continue a stored run without running again what should not be.
 * @throws ConfigError, RunNotFoundError (`E_RUN_NOT_FOUND`) or StoreError before anything runs.
 */
export async function runSuite(options: RunSuiteOptions): Promise<SuiteSummary> {
  const { loaded, store } = options;
  const { config } = loaded;
  const now = options.now ?? (() => new Date());
  const started = now();
  const continuing = options.resume ?? options.retryErrors;
  if (continuing !== undefined && store.getRun(continuing) === undefined)
    throw new RunNotFoundError(continuing);
  const runId = continuing ?? newRunId(started);

  // Every case of every workflow, with its position in the run.
  const plan = await planCases(loaded, {
    now: started,
    repeat: options.repeat,
    filter: options.filter,
  });
  // Compiled before anything is stored: a bad assertion is a configuration error.
  const graders = new Map(
    plan.map(({ workflow }) => [
      workflow,
      new CaseGrader([...config.default_assert, ...workflow.assert], {
        threshold: workflow.threshold,
      }),
    ]),
  );
  const judge =
    options.judge ??
    ([...graders.values()].some((grader) => grader.usesJudge)
      ? await judgeFor(config, store)
      : undefined);
  if (continuing === undefined) {
    store.createRun({
      id: runId,
      configFile: loaded.file,
      config: redactSecrets(config),
      toolVersion: options.toolVersion,
    });
  } else {
    store.setRunStatus(runId, 'running');
  }
  // Built and written in one go, not kept: a large run should not hold its cases twice.
  store.addCases(runId, caseRecords(plan));
  const caseCount = plan.reduce((sum, part) => sum + part.cases.length, 0);
  store.addEvent(
    runId,
    options.retryErrors !== undefined
      ? 'retry-errors'
      : options.resume !== undefined
        ? 'resume'
        : 'start',
    { cases: caseCount },
  );

  // What not to run again: on resume, whatever ended; on retry-errors, all but the failures.
  const skip =
    options.resume !== undefined
      ? store.caseIdsWithStatus(runId, ENDED_STATUSES)
      : new Set<string>();
  const only =
    options.retryErrors !== undefined ? store.caseIdsWithStatus(runId, FAILURES) : undefined;
  const toRun =
    skip.size === 0 && only === undefined
      ? plan
      : plan.map(({ workflow, cases }) => ({
          workflow,
          cases: cases.filter((c) => !skip.has(c.id) && (only === undefined || only.has(c.id))),
        }));
  const total = toRun.reduce((sum, part) => sum + part.cases.length, 0);
  options.progress?.begin(total);

  const token = new CancellationToken();
  const onAbort = (): void => {
    token.cancel('interrupted');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let stopReason: string | undefined;
  // A result the store could not take (a full disk, say): the run stops, the error is thrown.
  let storeFailure: Error | undefined;
  const user = `${config.dify.user_prefix}-${runId}`;
  const apiBase = options.apiBase ?? apiBaseOf(config.dify);
  // Results that ended in this turn of the event loop, committed together at its end: one
  // commit for all of them, and still stored before anything else runs.
  const ended: ResultRecord[] = [];
  let flushQueued = false;
  const flush = (): void => {
    flushQueued = false;
    if (ended.length === 0 || storeFailure !== undefined) return;
    const batch = ended.splice(0);
    try {
      store.saveResults(runId, batch);
    } catch (error) {
      storeFailure = error instanceof Error ? error : new Error(String(error));
      token.cancel('the run store failed');
      return;
    }
    for (const record of batch) options.onResult?.(record);
  };
  // Task functions still finishing (a stop call to Dify) after the executor moved on.
  const settling = new InFlightCounter();

  try {
    for (const { workflow, cases } of toRun) {
      if (cases.length === 0 || token.isCancelled) continue;
      const client = new DifyClient({
        apiBase,
        apiKey: workflow.api_key,
        app: workflow.id,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      });
      const mode =
        workflow.mode === 'auto'
          ? (await client.info({ signal: token.signal })).mode
          : workflow.mode;
      const files = await uploadFiles(client, cases, user, token.signal);
      const byId = new Map(cases.map((c) => [c.id, c]));
      const manifestCases = cases.map((c) => ({ id: c.id }));
      // From here each case lives in byId alone, until its result is stored: a long run does
      // not hold the cases it has finished.
      cases.length = 0;
      // A case that succeeded hands its Dify run and verdict to onResult in its task's output;
      // only a run Dify failed (an error, not an output) or one the judge is grading waits
      // here. Per-case objects parked in a long-lived map are promoted to V8's old generation
      // instead of dying young: a long run's memory grows with them.
      const heldRuns = new Map<string, DifyRunResult>();
      const grader = graders.get(workflow);
      const judged = grader?.usesJudge === true;
      const call = async (caseId: string, signal: AbortSignal): Promise<DifyRunResult> => {
        const c = byId.get(caseId);
        if (c === undefined) throw new NonRetryableError(`unknown case ${caseId}`);
        const inputs =
          files.size === 0
            ? c.inputs
            : Object.fromEntries(
                Object.entries(c.inputs).map(([k, v]) => [
                  k,
                  isFileRef(v) ? [files.get(v.file)] : v,
                ]),
              );
        const request = { user, responseMode: workflow.response_mode, signal };
        if (mode === 'workflow') return client.runWorkflow({ ...request, inputs }, { signal });
        if (mode === 'completion')
          return client.sendCompletionMessage({ ...request, inputs }, { signal });
        return client.sendChatMessage({ ...request, inputs, query: c.query ?? '' }, { signal });
      };
      const scheduler = new TaskScheduler({
        taskFn: async (task, signal) => {
          const startedMs = performance.now();
          const attempt = call(task.id, signal);
          settling.begin();
          void attempt.finally(settling.end).catch(() => undefined);
          try {
            const result = await attempt;
            const latencyMs = performance.now() - startedMs;
            if (result.status !== 'succeeded') {
              heldRuns.set(task.id, result);
              throw new NonRetryableError(
                `Dify run ${result.status}: ${result.error ?? 'no reason given'}`,
                `E_DIFY_RUN_${result.status.toUpperCase().replace(/-/g, '_')}`,
              );
            }
            const c = byId.get(task.id);
            let verdict: CaseVerdict | undefined;
            if (grader !== undefined && c !== undefined) {
              // A judge may take long enough for the task to time out: the run stays recorded.
              if (judged) heldRuns.set(task.id, result);
              verdict = await grader.grade(
                {
                  outputs: result.outputs,
                  answer: result.answer,
                  inputs: c.inputs,
                  query: c.query,
                  reference: c.reference,
                  latencyMs,
                  tokens: result.totalTokens,
                  cost: result.totalPrice,
                },
                { judge, signal },
              );
              heldRuns.delete(task.id);
            }
            const output: CaseOutput = {
              tokens: result.totalTokens,
              cost: result.totalPrice,
              dify: result,
              verdict: verdict === undefined ? undefined : { ...verdict, latencyMs },
            };
            return output;
          } catch (error) {
            if (error instanceof DifyError && error.fatal && stopReason === undefined) {
              stopReason = error.message;
              const reason = `stopped: ${error.message}`;
              // After this case is recorded as failed with its error: then stop the rest.
              setImmediate(() => {
                token.cancel(reason);
              });
            }
            throw error;
          }
        },
        observer: options.progress?.observer ?? {},
      });
      await scheduler.runManifest(
        {
          runId,
          workflowId: workflow.id,
          ...(workflow.prompt_variant === undefined
            ? {}
            : { promptVariant: workflow.prompt_variant }),
          cases: manifestCases,
          policy: executionPolicyFromConfig(config.execution, { concurrency: options.concurrency }),
        },
        {
          token,
          // Each result is stored as it ends; the executor need not hold them too.
          keepResults: false,
          onResult: (result) => {
            const output = result.output as CaseOutput | undefined;
            ended.push(
              toRecord(
                result,
                output?.dify ?? heldRuns.get(result.taskId),
                output?.verdict,
                config.grading,
              ),
            );
            // Built: nothing of the case needs to stay in memory.
            byId.delete(result.taskId);
            heldRuns.delete(result.taskId);
            if (!flushQueued) {
              flushQueued = true;
              setImmediate(flush);
            }
          },
        },
      );
      flush();
    }
  } finally {
    flush();
    options.signal?.removeEventListener('abort', onAbort);
    // Let aborted Dify calls send their stop request before the process may exit.
    await Promise.race([settling.drained(), new Promise((r) => setTimeout(r, 6000).unref())]);
  }

  if (storeFailure !== undefined) {
    try {
      store.setRunStatus(runId, 'interrupted', { reason: storeFailure.message });
    } catch {
      // The store that failed may refuse this too; the results it took are kept either way.
    }
    const failure: Error = storeFailure;
    throw failure instanceof StoreError
      ? new StoreError(
          failure.code,
          `${failure.detail}; once it can be written, resume with --resume ${runId}`,
          failure.path,
          { cause: failure },
        )
      : failure;
  }
  const byStatus = store.countByStatus(runId);
  const interrupted = options.signal?.aborted === true;
  const status: RunState =
    stopReason !== undefined ? 'stopped' : interrupted ? 'interrupted' : 'finished';
  const summary = summarize(
    store,
    runId,
    status,
    stopReason ?? (interrupted ? 'interrupted by the user' : undefined),
    byStatus,
    now().getTime() - started.getTime(),
    judge instanceof JudgeRunner ? judge.usage : undefined,
  );
  store.setRunStatus(runId, status, {
    ...(summary.reason === undefined ? {} : { reason: summary.reason }),
    statistics: summary,
  });
  store.addEvent(runId, 'end', { status });
  return summary;
}

function caseRecords(plan: readonly PlannedWorkflow[]): CaseRecord[] {
  let position = 0;
  return plan.flatMap(({ workflow, cases }) =>
    cases.map((c) => ({
      caseId: c.id,
      position: position++,
      workflowId: workflow.id,
      caseIndex: c.index,
      repeatIndex: c.repeatIndex,
      inputs: c.inputs,
      query: c.query ?? null,
      reference: c.reference,
    })),
  );
}

/** The configured judge, run through the executor and cached in the store. */
async function judgeFor(config: Config, store: RunStore): Promise<JudgeRunner | undefined> {
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
    store,
  });
}

/** What a case's task hands to onResult when Dify ran it to success. */
interface CaseOutput {
  readonly tokens: number | undefined;
  readonly cost: number | undefined;
  readonly dify: DifyRunResult;
  readonly verdict: (CaseVerdict & { readonly latencyMs: number }) | undefined;
}

function toRecord(
  result: TaskResult,
  dify: DifyRunResult | undefined,
  verdict: (CaseVerdict & { readonly latencyMs: number }) | undefined,
  grading: Config['grading'],
): ResultRecord {
  const succeeded = result.status === 'succeeded';
  const passed = succeeded && (verdict?.passed ?? true);
  const score = verdict?.score ?? (succeeded ? 1 : 0);
  return {
    caseId: result.taskId,
    workflowId: result.workflowId,
    status: result.status,
    difyStatus: dify?.status ?? null,
    outputs: dify?.outputs,
    answer: dify?.answer ?? null,
    errorCode: result.error?.code ?? null,
    errorMessage: result.error?.message ?? null,
    attempts: result.attempts,
    queueMs: result.timings.queueWaitMs,
    durationMs: result.timings.durationMs,
    totalMs: result.timings.totalMs,
    difyElapsedMs: dify?.elapsedMs ?? null,
    tokens: dify?.totalTokens ?? null,
    cost: dify?.totalPrice ?? null,
    workflowRunId: dify?.workflowRunId ?? null,
    taskId: dify?.taskId ?? null,
    nodes: dify?.nodes,
    finishedAt: Date.now(),
    passed,
    score,
    gradeClass: classify(
      passed ? score : 0,
      verdict?.latencyMs ?? result.timings.durationMs ?? undefined,
      grading,
    ),
    grades: verdict?.grades,
  };
}

function summarize(
  store: RunStore,
  runId: string,
  status: RunState,
  reason: string | undefined,
  byStatus: Record<string, number>,
  wallMs: number,
  judge: JudgeUsage | undefined,
): SuiteSummary {
  const perWorkflow: Record<string, { total: number; passed: number }> = {};
  let totalTokens = 0;
  let totalCost = 0;
  for (const totals of store.totalsByWorkflow(runId)) {
    perWorkflow[totals.workflowId] = { total: totals.total, passed: totals.passed };
    totalTokens += totals.tokens;
    totalCost += totals.cost;
  }
  const ended = ENDED_STATUSES.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);
  const passed = store.passedCount(runId);
  return {
    runId,
    status,
    reason,
    total: store.caseCount(runId),
    byStatus,
    passed,
    passRate: ended === 0 ? 0 : passed / ended,
    perWorkflow,
    totalTokens,
    totalCost,
    wallMs,
    judge,
  };
}
