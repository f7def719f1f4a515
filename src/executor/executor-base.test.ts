import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cases, useFakeTime } from '../../test/support/fake-time.js';
import { ConcurrentExecutor } from './concurrent-executor.js';
import { parseExecutionPolicy } from './execution-policy.js';
import { ExecutorBase, type ExecutionContext, type RunTasks } from './executor-base.js';
import { NonRetryableError, PolicyValidationError, SchedulerError } from './executor-error.js';
import type { RunManifest } from './run-execution-result.js';
import type { Task } from './task.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

const ok = (): Promise<string> => Promise.resolve('ok');

function refusal(manifest: unknown): Promise<unknown> {
  return new ConcurrentExecutor({ taskFn: ok }).runManifest(manifest as RunManifest).then(
    () => {
      throw new Error('expected the manifest to be refused');
    },
    (error: unknown) => error,
  );
}

describe('ExecutorBase.runManifest', () => {
  it.each([
    ['no manifest', undefined, 'E_MANIFEST_INVALID', 'a run needs a manifest'],
    [
      'a missing workflowId',
      { cases: cases(1), policy: {} },
      'E_MANIFEST_INVALID',
      'the manifest needs a non-empty workflowId',
    ],
    [
      'an empty workflowId',
      { workflowId: '', cases: cases(1), policy: {} },
      'E_MANIFEST_INVALID',
      'the manifest needs a non-empty workflowId',
    ],
    [
      'cases that are not a list',
      { workflowId: 'wf', cases: 'c1', policy: {} },
      'E_MANIFEST_INVALID',
      'the manifest needs a list of cases',
    ],
    [
      'no cases',
      { workflowId: 'wf', cases: [], policy: {} },
      'E_MANIFEST_EMPTY',
      'workflow wf has no cases to run',
    ],
    [
      'a case without id',
      { workflowId: 'wf', cases: [{ parameters: {} }], policy: {} },
      'E_TASK_INVALID',
      'a test case needs a non-empty string id',
    ],
    [
      'a missing case',
      { workflowId: 'wf', cases: [undefined], policy: {} },
      'E_TASK_INVALID',
      'a task needs a test case, got none',
    ],
    [
      'duplicate case ids',
      { workflowId: 'wf', cases: [{ id: 'a' }, { id: 'b' }, { id: 'a' }], policy: {} },
      'E_MANIFEST_INVALID',
      'case id a appears twice (case 3); ids must be unique',
    ],
  ])('refuses %s before running anything', async (_, manifest, code, message) => {
    const error = await refusal(manifest);
    expect(error).toBeInstanceOf(SchedulerError);
    expect(error).toMatchObject({ code, message });
  });

  it('validates the policy again at run start, even one built by the schema and then changed', async () => {
    const policy = { ...parseExecutionPolicy({}), concurrency: 0 };
    const error = await refusal({ workflowId: 'wf', cases: cases(1), policy });
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect(error).toMatchObject({ code: 'E_POLICY_INVALID', field: 'concurrency', value: 0 });
  });

  it('uses the runId of the manifest, or a fresh UUID', async () => {
    const executor = new ConcurrentExecutor({ taskFn: ok });
    const named = executor.runManifest({
      runId: 'mine',
      workflowId: 'wf',
      cases: cases(1),
      policy: {},
    });
    const anonymous = executor.runManifest({ workflowId: 'wf', cases: cases(1), policy: {} });
    await vi.runAllTimersAsync();
    expect((await named).runId).toBe('mine');
    expect((await anonymous).runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the manifest’s version, variant and metadata into the result and its tasks', async () => {
    const pending = new ConcurrentExecutor({
      taskFn: (task) => Promise.resolve(task.promptVariant),
    }).runManifest({
      workflowId: 'wf',
      workflowVersion: 'v7',
      promptVariant: 'shorter',
      cases: [{ id: 'a', dataset: 'golden', scenario: 'greeting' }],
      policy: {},
      metadata: { branch: 'main' },
    });
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result).toMatchObject({
      workflowVersion: 'v7',
      promptVariant: 'shorter',
      metadata: { branch: 'main' },
    });
    expect(result.taskResults[0]).toMatchObject({
      output: 'shorter',
      dataset: 'golden',
      scenario: 'greeting',
      promptVariant: 'shorter',
    });
  });

  it('reports as cancelled every task a subclass left unfinished, never dropping one', async () => {
    class Lazy extends ExecutorBase {
      protected override executeTasks(tasks: RunTasks, context: ExecutionContext): Promise<void> {
        // Runs the first task, finishes the second without reporting it, forgets the third.
        for (const task of tasks.slice(0, 2)) {
          task?.transition('queued', 0);
          task?.transition('running', 0);
          task?.finish('succeeded', 0, { output: 'done' });
        }
        if (tasks[0] !== undefined) context.onTaskEnd(tasks[0]);
        return Promise.resolve();
      }

      protected override executeFeed(): Promise<void> {
        return Promise.resolve();
      }
    }
    const result = await new Lazy({ taskFn: ok }).runManifest({
      workflowId: 'wf',
      cases: cases(3),
      policy: {},
    });
    expect(result.taskResults.map((r) => [r.taskId, r.status, r.error?.message])).toEqual([
      ['c1', 'succeeded', undefined],
      ['c2', 'succeeded', undefined],
      ['c3', 'cancelled', 'not run by the executor'],
    ]);
  });

  it('with keepResults false, hands each result to onResult and keeps none, statistics whole', async () => {
    let calls = 0;
    const executor = new ConcurrentExecutor({
      taskFn: () => {
        calls += 1;
        return calls % 2 === 0
          ? Promise.resolve({ tokens: 3 })
          : Promise.reject(new NonRetryableError('no'));
      },
    });
    const seen: string[] = [];
    const run = await executor.runManifest(
      { workflowId: 'wf', cases: cases(6), policy: { concurrency: 2 } },
      { keepResults: false, onResult: (result) => seen.push(result.status) },
    );
    expect(run.taskResults).toEqual([]);
    expect(seen).toHaveLength(6);
    expect(run.statistics).toMatchObject({ total: 6, completed: 6, totalTokens: 9 });
    expect(run.statistics.byStatus).toMatchObject({ succeeded: 3, failed: 3 });
  });

  it('with keepResults false, an ended task lets go of its output once onResult has it', async () => {
    const ended: Task[] = [];
    const outputs: unknown[] = [];
    const executor = new ConcurrentExecutor({
      taskFn: (task) => Promise.resolve({ tokens: 1, of: task.id }),
      observer: { onTaskEnd: (task) => ended.push(task) },
    });
    await executor.runManifest(
      { workflowId: 'wf', cases: cases(3), policy: { concurrency: 2 } },
      { keepResults: false, onResult: (result) => outputs.push(result.output) },
    );
    expect(outputs).toEqual([
      { tokens: 1, of: 'c1' },
      { tokens: 1, of: 'c2' },
      { tokens: 1, of: 'c3' },
    ]);
    expect(ended.map((task) => task.output)).toEqual([undefined, undefined, undefined]);
    const kept: Task[] = [];
    await new ConcurrentExecutor({
      taskFn: () => Promise.resolve('x'),
      observer: { onTaskEnd: (task) => kept.push(task) },
    }).runManifest({ workflowId: 'wf', cases: cases(1), policy: { concurrency: 1 } });
    expect(kept[0]?.output).toBe('x');
  });

  it('measures the run with an injected clock', async () => {
    let now = 5_000;
    const clock = {
      now: () => now,
      setTimer: (callback: () => void, ms: number) => setTimeout(callback, ms),
      clearTimer: (handle: unknown) => {
        clearTimeout(handle as NodeJS.Timeout);
      },
    };
    const pending = new ConcurrentExecutor({
      clock,
      taskFn: () => {
        now += 250;
        return Promise.resolve('x');
      },
    }).runManifest({ workflowId: 'wf', cases: cases(2), policy: { concurrency: 1 } });
    await vi.runAllTimersAsync();
    const result = await pending;
    expect(result).toMatchObject({ startedAt: 5_000, finishedAt: 5_500, totalDurationMs: 500 });
    expect(result.statistics.throughputPerSecond).toBe(4);
  });
});
