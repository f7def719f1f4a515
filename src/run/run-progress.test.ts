import { describe, expect, it } from 'vitest';
import { Task } from '../executor/task.js';
import { RunProgress } from './run-progress.js';

function task(id: string): Task {
  return new Task({ id, workflowId: 'wf', timeoutMs: 1000, maxAttempts: 3, createdAt: 0 });
}

describe('RunProgress', () => {
  it('counts in flight, backoff, queued, done, passed and failed through a run', () => {
    let now = 0;
    const progress = new RunProgress(() => now);
    progress.begin(4);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(task) as [Task, Task, Task, Task];
    for (const t of [a, b]) {
      t.transition('queued', 0);
      t.transition('running', 0);
      progress.observer.onTaskStart?.(t);
    }
    expect(progress.snapshot()).toMatchObject({
      inFlight: 2,
      queued: 2,
      done: 0,
      etaMs: undefined,
    });
    a.transition('queued', 1);
    progress.observer.onTaskRetry?.(a, { code: 'E', message: 'x' }, 100);
    expect(progress.snapshot()).toMatchObject({ inFlight: 1, backoff: 1, queued: 2 });
    now = 1000;
    b.finish('succeeded', 1000, { output: 1 });
    progress.observer.onTaskEnd?.(b);
    progress.recorded({ status: 'succeeded', passed: true });
    progress.observer.onConcurrencyChange?.(2);
    expect(progress.snapshot()).toMatchObject({
      done: 1,
      passed: 1,
      failed: 0,
      inFlight: 0,
      backoff: 1,
      queued: 2,
      concurrency: 2,
      elapsedMs: 1000,
      etaMs: 3000,
    });
    // a is cancelled in its backoff; c never starts; d fails in flight.
    a.finish('cancelled', 1001, { error: { code: 'E_CANCELLED', message: 'x' } });
    progress.observer.onTaskEnd?.(a);
    c.transition('queued', 0);
    c.finish('cancelled', 1001, { error: { code: 'E_CANCELLED', message: 'x' } });
    progress.observer.onTaskEnd?.(c);
    d.transition('queued', 0);
    d.transition('running', 0);
    progress.observer.onTaskStart?.(d);
    d.finish('failed', 1002, { error: { code: 'E', message: 'x' } });
    progress.observer.onTaskEnd?.(d);
    progress.recorded({ status: 'failed', passed: false });
    expect(progress.snapshot()).toMatchObject({
      total: 4,
      done: 4,
      passed: 1,
      failed: 3,
      inFlight: 0,
      backoff: 0,
      queued: 0,
    });
  });

  it('counts a case Dify answered but its assertions failed as failed, as the final pass rate does', () => {
    const progress = new RunProgress(() => 0);
    progress.begin(2);
    const [a, b] = ['a', 'b'].map(task) as [Task, Task];
    for (const t of [a, b]) {
      t.transition('queued', 0);
      t.transition('running', 0);
      progress.observer.onTaskStart?.(t);
      t.finish('succeeded', 1, { output: 1 });
      progress.observer.onTaskEnd?.(t);
    }
    progress.recorded({ status: 'succeeded', passed: false });
    progress.recorded({ status: 'succeeded', passed: true });
    expect(progress.snapshot()).toMatchObject({ done: 2, passed: 1, failed: 1 });
  });

  it("counts a distributed run's results by worker, and its cases running on workers", () => {
    const progress = new RunProgress(() => 0);
    progress.begin(5);
    progress.runningOnWorkers(3);
    progress.receivedFrom('w1');
    progress.recorded({ status: 'succeeded', passed: true });
    progress.receivedFrom('w2');
    progress.recorded({ status: 'failed', passed: false });
    progress.receivedFrom('w1');
    progress.recorded({ status: 'succeeded', passed: true });
    expect(progress.snapshot()).toMatchObject({
      done: 3,
      passed: 2,
      failed: 1,
      inFlight: 3,
      queued: 0,
      workers: { w1: 2, w2: 1 },
    });
    // Never more running than cases left (the queue counts other runs' jobs too).
    progress.runningOnWorkers(9);
    expect(progress.snapshot()).toMatchObject({ inFlight: 2, queued: 0 });
  });
});
