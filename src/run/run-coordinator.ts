import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { AutoOptError } from '../core/autoopt-error.js';
import { redactUrl } from '../core/redact-url.js';
import { CaseQueue } from '../queue/case-queue.js';
import { RunChannel } from '../queue/run-channel.js';
import type { ResultRecord } from '../store/run-store.js';
import { onBuiltInWhenSimulated } from './built-in-simulator.js';
import { CaseFeeder } from './case-feeder.js';
import type { PlannedCase } from './planned-case.js';
import { hasFileInputs } from './upload-files.js';
import { openRun, type Continuation, type OpenedRun } from './open-run.js';
import { prepareRun } from './prepare-run.js';
import { RunNotFoundError } from './run-not-found-error.js';
import { continuation, type RunSuiteOptions, type SuiteSummary } from './run-suite.js';
import { storeSink } from './result-sink.js';
import { finishRun } from './summarize-run.js';

/** How a distributed run is coordinated: a local run's options, and the queue's Redis. */
export interface CoordinateOptions extends RunSuiteOptions {
  readonly queueUrl: string;
  /** Jobs of the run in Redis at most at once (topped up as results come). @default 2000 */
  readonly window?: number | undefined;
}

/** A coordinated run's summary, with how many results each worker sent. */
export type CoordinatedSummary = SuiteSummary & {
  readonly workers: Readonly<Record<string, number>>;
};

/**
 * Runs a suite on workers: plans and stores the run as `run` does, announces it in Redis (its
 * configuration with `${VAR}` unresolved: no secret goes there), enqueues one job per case still
 * to run (ids from run and case: enqueueing again adds nothing), then writes each result that
 * comes back on the run's stream into the store, acknowledging it only once committed. Ctrl-C
 * cancels the run on every worker; `--resume` takes it up again.
 * @throws ConfigError, AutoOptError (`E_QUEUE_UNSUPPORTED`: variants and file inputs do not run
 * on workers yet), RunNotFoundError, StoreError, and Redis's errors.
 */
export function coordinateRun(options: CoordinateOptions): Promise<CoordinatedSummary> {
  // The built-in simulator serves the workers of this machine for the run's length.
  return onBuiltInWhenSimulated(options, coordinateOn);
}

/** What workers cannot run yet, refused before anything is stored. */
function unsupported(what: string): AutoOptError {
  return new AutoOptError(
    'E_QUEUE_UNSUPPORTED',
    `${what} do not run on workers yet: run it without --queue`,
  );
}

async function coordinateOn(options: CoordinateOptions): Promise<CoordinatedSummary> {
  const { loaded, store } = options;
  const now = options.now ?? (() => new Date());
  const started = now();
  const how = continuation(options);
  if (how.kind !== 'new' && store.getRun(how.runId) === undefined)
    throw new RunNotFoundError(how.runId);
  if (loaded.config.workflows.some((w) => w.variants !== undefined))
    throw unsupported('prompt variants');
  const prepared = await prepareRun(loaded, store, {
    now: started,
    repeat: options.repeat,
    filter: options.filter,
    console: () => Promise.reject(new Error('the console is not used by a coordinated run')),
    signal: options.signal,
  });
  for (const { cases } of prepared.plan) if (hasFileInputs(cases)) throw unsupported('file inputs');
  // The coordinator's own calls give up after ioredis's retries: a Redis that stays away is said.
  const redis = new Redis(options.queueUrl);
  let opened: OpenedRun;
  try {
    // Results a dead coordinator never stored are stored first: their cases are not queued again.
    if (how.kind !== 'new') await drainStream(new RunChannel(redis, how.runId), store);
    opened = openRun(
      store,
      loaded,
      prepared.plan.map((p) => p.cases),
      how,
      { now: started },
    );
  } catch (error) {
    redis.disconnect();
    throw error instanceof AutoOptError ? error : queueFailure(error, options.queueUrl, how);
  }
  options.progress?.begin(opened.total);
  const reader = redis.duplicate();
  const queue = new CaseQueue(options.queueUrl);
  const channel = new RunChannel(redis, opened.runId);
  let outcome: { stopReason: string | undefined; workers: Record<string, number> };
  try {
    await channel.announce({
      configText: await readFile(loaded.file, 'utf8'),
      configFile: loaded.file,
      toolVersion: options.toolVersion,
      apiBase: options.apiBase,
    });
    const { expected, feeder } = await feed(queue, opened, options.window ?? 2000);
    outcome = await collect(new RunChannel(reader, opened.runId), expected, options, {
      runId: opened.runId,
      feeder,
      queue,
    });
    if (outcome.stopReason !== undefined || options.signal?.aborted === true)
      await channel.cancel();
  } catch (error) {
    const failure =
      error instanceof AutoOptError
        ? error
        : queueFailure(error, options.queueUrl, { kind: 'resume', runId: opened.runId });
    store.setRunStatus(opened.runId, 'stopped', { reason: failure.message });
    redis.disconnect();
    throw failure;
  } finally {
    await queue.close();
    reader.disconnect();
  }
  const interrupted = options.signal?.aborted === true;
  const status =
    outcome.stopReason !== undefined ? 'stopped' : interrupted ? 'interrupted' : 'finished';
  try {
    if (status === 'finished') await channel.clear(loaded.config.workflows.map((w) => w.id));
  } finally {
    redis.disconnect();
  }
  const summary = finishRun(
    store,
    opened.runId,
    { status, reason: outcome.stopReason ?? (interrupted ? 'interrupted by the user' : undefined) },
    { wallMs: now().getTime() - started.getTime(), judge: undefined },
  );
  return { ...summary, workers: outcome.workers };
}

/** A Redis failure, said with where the queue is and how to go on. */
function queueFailure(error: unknown, url: string, how: Continuation): AutoOptError {
  const resume = how.kind === 'new' ? '' : `; resume with --resume ${how.runId} --queue`;
  return new AutoOptError(
    'E_QUEUE_FAILED',
    `the queue's Redis at ${redactUrl(url)} failed: ${error instanceof Error ? error.message : String(error)}${resume}`,
    { cause: error },
  );
}

/** Stores every result waiting on a run's stream (one row per case), then acknowledges them. */
async function drainStream(channel: RunChannel, store: CoordinateOptions['store']): Promise<void> {
  for (const backlog of [true, false]) {
    for (;;) {
      const messages = await channel.receive('coordinator', { count: 500, backlog });
      if (messages.length === 0) break;
      const records: ResultRecord[] = [];
      for (const { entry } of messages)
        if (entry.kind === 'result') records.push(entry.record as ResultRecord);
      store.saveResults(channel.runId, records);
      await channel.acknowledge(messages.map((m) => m.id));
    }
  }
}

/** The ids every result must cover, and the first window of the cases still to run queued. */
async function feed(
  queue: CaseQueue,
  opened: OpenedRun,
  window: number,
): Promise<{ expected: Set<string>; feeder: CaseFeeder }> {
  const expected = new Set<string>();
  for (const group of opened.pending) for (const planned of group) expected.add(planned.caseId);
  const feeder = new CaseFeeder(queue, opened.runId, pendingCases(opened), { window });
  await feeder.topUp();
  return { expected, feeder };
}

/** The run's cases still to run, one after another, read as they are fed. */
function* pendingCases(opened: OpenedRun): Generator<PlannedCase> {
  for (const group of opened.pending) yield* group;
}

/**
 * Reads the run's stream until every expected case has its result (a case run twice, after a
 * worker died, is stored once), a worker refuses the run, or the run is interrupted.
 */
async function collect(
  channel: RunChannel,
  expected: Set<string>,
  options: CoordinateOptions,
  run: { readonly runId: string; readonly feeder: CaseFeeder; readonly queue: CaseQueue },
): Promise<{ stopReason: string | undefined; workers: Record<string, number> }> {
  const { runId, feeder } = run;
  const workers: Record<string, number> = {};
  let countedAt = 0;
  let storeFailure: Error | undefined;
  const sink = storeSink(options.store, runId, {
    onCommit: (record) => {
      options.progress?.recorded(record);
      options.onResult?.(record);
    },
    onFailure: (error) => {
      storeFailure = error;
    },
  });
  // First what a previous coordinator read and never acknowledged, then what is new.
  let backlog = true;
  while (expected.size > 0 && options.signal?.aborted !== true) {
    const messages = await channel.receive('coordinator', { count: 200, blockMs: 500, backlog });
    if (messages.length === 0 && !backlog && (await channel.announcement()) === undefined)
      throw new AutoOptError(
        'E_QUEUE_GONE',
        `run ${runId} is gone from the queue's Redis (restarted without persistence, or flushed): --resume ${runId} --queue enqueues what is left`,
      );
    if (backlog && messages.length === 0) backlog = false;
    let stopReason: string | undefined;
    for (const { entry } of messages) {
      if (entry.kind === 'refused') {
        stopReason ??= entry.message;
        continue;
      }
      const record = entry.record as ResultRecord;
      if (!expected.delete(record.caseId)) continue;
      workers[entry.worker] = (workers[entry.worker] ?? 0) + 1;
      options.progress?.receivedFrom(entry.worker);
      feeder.settled();
      sink.write(record);
    }
    // Committed before acknowledged: a crash in between finds them again in the backlog.
    sink.flush();
    if (storeFailure !== undefined) throw storeFailure;
    await channel.acknowledge(messages.map((m) => m.id));
    if (stopReason !== undefined) return { stopReason, workers };
    await feeder.topUp();
    if (Date.now() - countedAt >= 1000) {
      countedAt = Date.now();
      options.progress?.runningOnWorkers(await run.queue.active());
    }
  }
  return { stopReason: undefined, workers };
}
