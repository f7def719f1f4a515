import { Redis } from 'ioredis';
import type { Judge } from '../assertions/assertion.js';
import { CaseGrader } from '../assertions/case-grader.js';
import { apiBaseOf, type Config, type WorkflowConfig } from '../config/config-schema.js';
import { parseConfig } from '../config/load-config.js';
import { redactUrl } from '../core/redact-url.js';
import { TOOL_VERSION } from '../core/tool-version.js';
import { CancellationToken } from '../executor/cancellation-token.js';
import type { ExecutionPolicyInput } from '../executor/execution-policy.js';
import { AppSlots } from '../queue/app-slots.js';
import { serveCaseQueue, type DeliveredJob, type LockTimings } from '../queue/case-queue.js';
import { GcraRateLimit } from '../queue/gcra-rate-limit.js';
import { ANNOUNCE_CHANNEL, CANCEL_CHANNEL, RunChannel } from '../queue/run-channel.js';
import type { CaseTarget } from './case-target.js';
import { executionPolicyFromConfig } from './execution-policy-from-config.js';
import type { PlannedCase } from './planned-case.js';
import { judgeFor } from './prepare-run.js';
import { memorySink } from './result-sink.js';
import { runCases } from './run-cases.js';
import { sharedLimitsTarget } from './shared-limits-target.js';
import { publishedWorkflowTarget } from './workflow-targets.js';

/** How a worker runs. */
export interface WorkerOptions {
  readonly redisUrl: string;
  /** Cases in flight at most in this process. */
  readonly concurrency: number;
  /** Shown on the coordinator and in `runs show`. */
  readonly name: string;
  /** Where secrets come from (`${VAR}` in the configuration). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Ends the worker: cases in flight are aborted, their jobs go back to the queue. */
  readonly signal: AbortSignal;
  /** A line for the worker's log. */
  readonly log: (line: string) => void;
  readonly locks?: LockTimings;
}

/** What a worker keeps of one run, made from the run's announcement the first time. */
interface RunContext {
  readonly channel: RunChannel;
  readonly config: Config;
  readonly apiBase: string;
  readonly user: string;
  readonly policy: ExecutionPolicyInput;
  readonly rateLimiter: GcraRateLimit | undefined;
  /** The run's judge, when its assertions ask one (its rate limit shared by every worker). */
  readonly judge: Judge | undefined;
  /** Each app's concurrency cap, shared with every worker of the run. */
  readonly slots: Map<string, AppSlots>;
  readonly graders: Map<string, CaseGrader>;
  readonly targets: Map<string, Promise<CaseTarget>>;
  /** Cancelled: its cases still queued are dropped (a resume queues them again). */
  cancelled: boolean;
  /** Cases of the run in flight here: a cancelled run aborts them. */
  readonly inFlight: Set<CancellationToken>;
}

/** Why a worker will not run a run's cases (another tool version, a config it cannot read). */
class RunRefused extends Error {}

/**
 * Serves the case queue until `signal` aborts: each case run as `run` runs it (target, executor
 * retries and timeouts, the run's one rate limit through Redis, grading), its result sent back
 * on the run's stream. Secrets come from this process's environment, never from Redis.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  // Commands of one tick go in one write (sockets writes are what a case costs here).
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
  });
  const subscriber = redis.duplicate();
  const runs = new Map<string, Promise<RunContext>>();
  sayOutages(redis, options);
  subscriber.on('error', () => undefined);
  await warnOnEviction(redis, options.log);
  await subscriber.subscribe(CANCEL_CHANNEL, ANNOUNCE_CHANNEL);
  subscriber.on('message', (channel: string, runId: string) => {
    const context = runs.get(runId);
    // Announced again (resumed): what this worker knew of the run is read afresh.
    if (channel === ANNOUNCE_CHANNEL) runs.delete(runId);
    void context
      ?.then((run) => {
        if (channel === ANNOUNCE_CHANNEL) return;
        run.cancelled = true;
        options.log(
          `worker ${options.name}: run ${runId} cancelled; aborting its ${run.inFlight.size} case(s) in flight`,
        );
        for (const token of run.inFlight) token.cancel('the run was cancelled');
      })
      .catch(() => undefined);
  });
  const contextOf = (runId: string): Promise<RunContext> => {
    let context = runs.get(runId);
    if (context === undefined) {
      context = openRunContext(new RunChannel(redis, runId), options);
      runs.set(runId, context);
      void context.then(
        (run) => {
          options.log(
            `worker ${options.name}: taking cases of run ${runId} (${run.config.workflows.length} workflow(s), concurrency ${run.config.execution.concurrency} per app over all workers)`,
          );
        },
        () => undefined,
      );
      // A refusal is not kept: the coordinator may fix its side and resume.
      context.catch(() => runs.delete(runId));
    }
    return context;
  };
  const worker = serveCaseQueue(
    options.redisUrl,
    (job, signal) => runJob(job, { contextOf, redis }, options, signal),
    { concurrency: options.concurrency, name: options.name, ...options.locks },
  );
  worker.on('error', (error) => {
    options.log(
      error.message.startsWith('Missing lock for job')
        ? `worker: ${error.message.split('.')[0]?.replace('Missing lock for job', 'case job') ?? ''} is gone from Redis (restarted or flushed): its result stays on the run's stream for the coordinator`
        : `worker: ${error.message}`,
    );
  });
  options.log(
    `worker ${options.name}: serving ${redactUrl(options.redisUrl)} at concurrency ${options.concurrency}`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else
      options.signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
  for (const context of runs.values())
    void context
      .then((run) => {
        for (const token of run.inFlight) token.cancel('the worker is stopping');
        for (const slots of run.slots.values()) slots.close();
      })
      .catch(() => undefined);
  await worker.close();
  subscriber.disconnect();
  redis.disconnect();
}

/** One line when Redis goes away, one when it is back (ioredis reconnects meanwhile). */
function sayOutages(redis: Redis, options: WorkerOptions): void {
  let down = false;
  redis.on('error', () => undefined);
  redis.on('close', () => {
    if (down || options.signal.aborted) return;
    down = true;
    options.log('worker: lost Redis; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.log('worker: Redis is back');
  });
}

/** Warns when Redis may evict keys: a queue that loses jobs loses cases. */
async function warnOnEviction(redis: Redis, log: (line: string) => void): Promise<void> {
  const answer = await redis.config('GET', 'maxmemory-policy');
  const policy = answer[1];
  if (policy !== undefined && policy !== 'noeviction')
    log(
      `warning: Redis maxmemory-policy is ${policy}; set it to noeviction, or Redis may drop queued cases`,
    );
}

async function openRunContext(channel: RunChannel, options: WorkerOptions): Promise<RunContext> {
  const announcement = await channel.announcement();
  if (announcement === undefined) throw new RunRefused(`run ${channel.runId} is not in Redis`);
  if (announcement.toolVersion !== TOOL_VERSION)
    throw new RunRefused(
      `worker ${options.name} runs dify-autoopt ${TOOL_VERSION}, the run was planned by ${announcement.toolVersion}`,
    );
  let config: Config;
  try {
    config = parseConfig(
      announcement.configText,
      announcement.configFile,
      options.env ?? process.env,
    );
  } catch (error) {
    throw new RunRefused(
      `worker ${options.name} cannot read the run's configuration: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    channel,
    config,
    apiBase: announcement.apiBase ?? apiBaseOf(config.dify),
    user: `${config.dify.user_prefix}-${channel.runId}`,
    // The run's rate limit is the shared one, taken per call by the target (after its slot).
    policy: executionPolicyFromConfig({ ...config.execution, rate_limit: undefined }),
    rateLimiter: sharedRateLimit(channel, channel.rateKey, config.execution.rate_limit),
    cancelled: await channel.cancelled(),
    judge: await workerJudge(config, channel),
    slots: new Map(),
    graders: new Map(),
    targets: new Map(),
    inFlight: new Set(),
  };
}

/** The run's judge, built from this worker's view of the configuration (its key from here). */
async function workerJudge(config: Config, channel: RunChannel): Promise<Judge | undefined> {
  return judgeFor(config, {
    rateLimiter: sharedRateLimit(channel, channel.judgeRateKey, config.judge?.rate_limit),
  });
}

/** A configured rate limit as one token bucket at `key` for every process of the run. */
function sharedRateLimit(
  channel: RunChannel,
  key: string,
  limit: { readonly per_minute: number; readonly burst: number } | undefined,
): GcraRateLimit | undefined {
  return limit === undefined
    ? undefined
    : new GcraRateLimit({
        redis: channel.redis,
        key,
        perMinute: limit.per_minute,
        burst: limit.burst,
      });
}

/** The workflow a case belongs to. @throws RunRefused when the configuration lacks it. */
function workflowOf(run: RunContext, id: string): WorkflowConfig {
  const workflow = run.config.workflows.find((w) => w.id === id);
  if (workflow === undefined) throw new RunRefused(`the run's configuration has no workflow ${id}`);
  return workflow;
}

/** Runs one job's case and sends its result; a refused run sends why, once per job. */
async function runJob(
  job: DeliveredJob,
  worker: { readonly contextOf: (runId: string) => Promise<RunContext>; readonly redis: Redis },
  options: WorkerOptions,
  signal: AbortSignal | undefined,
): Promise<void> {
  let run: RunContext;
  try {
    run = await worker.contextOf(job.runId);
  } catch (error) {
    if (!(error instanceof RunRefused)) throw error;
    options.log(`refused a case of run ${job.runId}: ${error.message}`);
    await new RunChannel(worker.redis, job.runId).send({
      kind: 'refused',
      worker: options.name,
      message: error.message,
    });
    return;
  }
  // A cancelled run's cases are dropped: its resume enqueues what is left.
  if (run.cancelled) return;
  const planned = job.payload as PlannedCase;
  let workflow: WorkflowConfig;
  try {
    workflow = workflowOf(run, planned.workflowId);
  } catch (error) {
    await run.channel.send({
      kind: 'refused',
      worker: options.name,
      message: (error as Error).message,
    });
    return;
  }
  const token = new CancellationToken();
  const onAbort = (): void => {
    token.cancel('the worker is stopping');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  run.inFlight.add(token);
  try {
    const context = {
      target: await targetOf(run, workflow, { options, signal: token.signal }),
      grader: graderOf(run, workflow),
      judge: run.judge,
      user: run.user,
    };
    const sink = memorySink();
    await runCases([planned], () => context, sink, {
      runId: job.runId,
      policy: run.policy,
      token,
      grading: run.config.grading,
    });
    const record = sink.records[0];
    // A case cut short by a cancel or a stopping worker is not a result: it runs again.
    if (record === undefined || token.isCancelled) {
      if (signal?.aborted === true) throw new Error('the worker stopped before the case ended');
      return;
    }
    await run.channel.send({
      kind: 'result',
      worker: options.name,
      record: { ...record, worker: options.name, deliveries: job.deliveries },
    });
  } finally {
    run.inFlight.delete(token);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The workflow's published app, under the run's shared limits; made once per run. */
function targetOf(
  run: RunContext,
  workflow: WorkflowConfig,
  how: { readonly options: WorkerOptions; readonly signal: AbortSignal },
): Promise<CaseTarget> {
  let target = run.targets.get(workflow.id);
  if (target === undefined) {
    target = publishedWorkflowTarget(workflow, [], {
      apiBase: run.apiBase,
      user: run.user,
      signal: how.signal,
    }).then((published) =>
      sharedLimitsTarget(published, {
        slots: slotsOf(run, workflow.id, how.options),
        rateLimiter: run.rateLimiter,
      }),
    );
    run.targets.set(workflow.id, target);
    target.catch(() => run.targets.delete(workflow.id));
  }
  return target;
}

/** The app's cap shared by every worker of the run (the run's `execution.concurrency`). */
function slotsOf(run: RunContext, workflowId: string, options: WorkerOptions): AppSlots {
  let slots = run.slots.get(workflowId);
  if (slots === undefined) {
    slots = new AppSlots({
      redis: run.channel.redis,
      key: run.channel.appKey(workflowId),
      max: run.config.execution.concurrency,
      // A killed worker's slots come back when its jobs do.
      leaseMs: options.locks?.lockDurationMs ?? 30_000,
    });
    run.slots.set(workflowId, slots);
  }
  return slots;
}

function graderOf(run: RunContext, workflow: WorkflowConfig): CaseGrader {
  let grader = run.graders.get(workflow.id);
  if (grader === undefined) {
    grader = new CaseGrader([...run.config.default_assert, ...workflow.assert], {
      threshold: workflow.threshold,
    });
    run.graders.set(workflow.id, grader);
  }
  return grader;
}
