// Semantics of the original executor's own test suite, kept (#17 item 10).
import { describe, expect, it } from 'vitest';
import { ConcurrentExecutor } from './concurrent-executor.js';
import { SchedulerError, TaskTimeoutError } from './executor-error.js';

const policy = {
  concurrency: 2,
  retry: { maxAttempts: 2, backoff: 0, multiplier: 1, maxBackoff: 0, jitter: 0 },
  timeoutPerTask: 30,
};

describe('the executor, as upstream specified it', () => {
  it('ends `timeout` when the task function itself throws a TaskTimeoutError (retried first)', async () => {
    let calls = 0;
    const executor = new ConcurrentExecutor({
      taskFn: () => {
        calls += 1;
        return Promise.reject(
          new TaskTimeoutError({ taskId: 'inner', timeoutMs: 5, elapsedMs: 6 }),
        );
      },
    });
    const run = await executor.runManifest({ workflowId: 'w', cases: [{ id: 'a' }], policy });
    expect(run.taskResults[0]?.status).toBe('timeout');
    expect(run.taskResults[0]?.error?.code).toBe('E_TASK_TIMEOUT');
    expect(calls).toBe(2);
  });

  it("keeps each task's metadata on its result", async () => {
    const executor = new ConcurrentExecutor({ taskFn: () => Promise.resolve('ok') });
    const run = await executor.runManifest({
      workflowId: 'w',
      cases: [{ id: 'a', metadata: { owner: 'qa', n: 1 } }, { id: 'b' }],
      policy,
    });
    expect(run.taskResults.map((r) => r.metadata)).toEqual([{ owner: 'qa', n: 1 }, {}]);
  });

  it('refuses an empty run id, naming the field', async () => {
    const executor = new ConcurrentExecutor({ taskFn: () => Promise.resolve('ok') });
    const refused = await executor
      .runManifest({ workflowId: 'w', runId: '', cases: [{ id: 'a' }], policy })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SchedulerError);
    expect(refused).toMatchObject({
      code: 'E_MANIFEST_INVALID',
      message: 'runId: must be a non-empty string when given (leave it out for one to be made)',
    });
    const named = await executor.runManifest({
      workflowId: 'w',
      runId: 'r-1',
      cases: [{ id: 'a' }],
      policy,
    });
    expect(named.runId).toBe('r-1');
  });
});
