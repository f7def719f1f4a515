import { setTimeout as sleep } from 'node:timers/promises';
import { createSeededRandom } from '../core/seeded-random.js';
import { CancellationToken } from '../executor/cancellation-token.js';
import { RateLimitError } from '../executor/executor-error.js';
import type { RunExecutionResult } from '../executor/run-execution-result.js';
import { TaskScheduler } from '../executor/task-scheduler.js';
import type { Task } from '../executor/task.js';

/** What the executor demo runs. */
export interface DemoOptions {
  readonly cases: number;
  readonly concurrency: number;
  readonly perMinute: number | undefined;
  readonly latencyMs: number;
  readonly failureRate: number;
  readonly seed: number;
}

/**
 * Runs the executor against an in-process stand-in for a flaky, rate-limited target: latencies
 * around `latencyMs`, transient failures at `failureRate`, and an occasional 429 that asks for a
 * short pause. Until the Dify client lands, this is the tool's offline main job.
 */
export async function runDemo(
  options: DemoOptions,
  {
    signal,
    onProgress,
  }: { readonly signal: AbortSignal; readonly onProgress: (line: string) => void },
): Promise<RunExecutionResult> {
  const random = createSeededRandom(options.seed);
  const token = new CancellationToken();
  const onAbort = (): void => {
    token.cancel('interrupted');
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let done = 0;
  let failed = 0;
  const target = async (
    task: Task,
    taskSignal: AbortSignal,
  ): Promise<{ answer: string; tokens: number }> => {
    await sleep(options.latencyMs * (0.5 + random()), undefined, { signal: taskSignal });
    const roll = random();
    if (roll < options.failureRate * 0.2) {
      throw new RateLimitError('429 too_many_requests', { retryAfterMs: 200 });
    }
    if (roll < options.failureRate) throw new Error('502 bad gateway');
    return {
      answer: `echo ${JSON.stringify(task.parameters)}`,
      tokens: 20 + Math.floor(random() * 80),
    };
  };
  const scheduler = new TaskScheduler({
    taskFn: target,
    random,
    observer: {
      onTaskEnd: (task) => {
        done += 1;
        if (task.status !== 'succeeded') failed += 1;
        if (done % Math.max(1, Math.floor(options.cases / 10)) === 0 || done === options.cases) {
          onProgress(`  ${done}/${options.cases} done, ${failed} not succeeded`);
        }
      },
    },
  });
  try {
    return await scheduler.runManifest(
      {
        workflowId: 'demo',
        cases: Array.from({ length: options.cases }, (_, i) => ({
          id: `case-${i + 1}`,
          parameters: { question: `question ${i + 1}` },
        })),
        policy: {
          concurrency: options.concurrency,
          retry: { maxAttempts: 3, backoff: 0.1, maxBackoff: 1 },
          timeoutPerTask: 30,
          ...(options.perMinute === undefined
            ? {}
            : { rateLimit: { perMinute: options.perMinute, burst: options.concurrency } }),
        },
      },
      { token },
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
