// Distributed runs (#15): `run --queue` coordinating real `worker` processes through a real
// redis-server, against the simulator over loopback. Every case is stored exactly once, whatever
// dies; no secret reaches Redis.
import { describe, expect, it } from 'vitest';
import { until } from './support/cli-process.js';
import { distributedHarness, SECRET } from './support/distributed-harness.js';
import { FakeOpenAi } from './support/fake-openai.js';

const h = distributedHarness();
const latency = (ms: number): { latency_ms: { minMs: number; maxMs: number } } => ({
  latency_ms: { minMs: ms, maxMs: ms },
});

describe('run --queue with worker processes', () => {
  it('spreads a suite over two workers, stores each case once with its worker, and leaves no secret or key in Redis', async () => {
    h.project(10);
    const run = h.coordinator();
    // Before any worker: the run is announced and queued, its configuration unresolved.
    let announced = '';
    for (let i = 0; i < 200 && !announced.includes('${WF_KEY}'); i += 1) {
      announced = await h.everything();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(announced).toContain('${WF_KEY}');
    expect(announced).not.toContain(SECRET);
    h.worker('w1');
    h.worker('w2');
    const ended = await run.done;
    expect(ended.code, ended.err).toBe(0);
    expect(ended.err).toMatch(/workers: (w1|w2) \d+, (w1|w2) \d+/);
    const { caseIds, status, workers } = h.stored();
    expect(status).toBe('finished');
    expect(caseIds).toHaveLength(30);
    expect(new Set(caseIds).size).toBe(30);
    expect(new Set(workers)).toEqual(new Set(['w1', 'w2']));
    // A finished run leaves nothing of its own in Redis; finished jobs are gone too.
    expect(await h.inspect().keys('dify-autoopt:run:*')).toEqual([]);
    expect(await h.everything()).not.toContain(SECRET);
  }, 60_000);

  it('finishes every case elsewhere when a worker is killed mid-run, each stored once', async () => {
    h.project(12);
    await h.withBehaviour(latency(300), async () => {
      const doomed = h.worker('doomed', { fast: true });
      h.worker('survivor', { fast: true });
      const run = h.coordinator();
      const before = h.sim().stats().runsStarted;
      await until(() => h.sim().stats().runsStarted >= before + 6);
      doomed.kill('SIGKILL');
      const ended = await run.done;
      expect(ended.code, ended.err).toBe(0);
      const { caseIds, deliveries, runId } = h.stored();
      expect(caseIds).toHaveLength(36);
      expect(new Set(caseIds).size).toBe(36);
      // The cases the dead worker held were handed out again, and the store says so.
      expect(deliveries.some((n) => (n ?? 0) >= 2)).toBe(true);
      expect(deliveries.every((n) => (n ?? 0) >= 1)).toBe(true);
      const shown = await h.cli(['runs', 'show', runId]).done;
      expect(shown.out).toMatch(/ on survivor \(delivered 2×\)/);
    });
  }, 60_000);

  it('resumes after the coordinator is killed: what finished is not run again, each case once', async () => {
    h.project(12);
    await h.withBehaviour(latency(200), async () => {
      h.worker('w1');
      const first = h.coordinator();
      const started = h.sim().stats().runsStarted;
      const before = h.sim().stats().runsFinished;
      await until(() => h.sim().stats().runsFinished >= before + 8);
      first.kill('SIGKILL');
      await first.done;
      const { runId } = h.stored();
      const ended = await h.coordinator(['--resume', runId]).done;
      expect(ended.code, ended.err).toBe(0);
      const after = h.stored();
      expect(after.status).toBe('finished');
      expect(after.caseIds).toHaveLength(36);
      expect(new Set(after.caseIds).size).toBe(36);
      // Results the dead coordinator never stored are taken from the stream, not run again; at
      // most a case ending between that and its enqueue (one per worker slot) runs twice.
      expect(h.sim().stats().runsStarted - started).toBeLessThanOrEqual(36 + 4);
    });
  }, 60_000);

  it("stops the run with the worker's reason when a worker cannot read its configuration", async () => {
    h.project(2);
    h.worker('keyless', { env: {} });
    const ended = await h.coordinator().done;
    expect(ended.code).toBe(1);
    expect(ended.err).toContain('run stopped: worker keyless cannot read the run');
    expect(ended.err).toContain('WF_KEY');
    expect(ended.err).toMatch(
      /resume with: dify-autoopt run -c suite\.yaml --resume \S+ --queue redis:/,
    );
    expect(ended.err).not.toContain(SECRET);
  }, 60_000);

  it('refuses what workers cannot run yet (prompt variants), exit 2, storing nothing', async () => {
    h.project(2, { variants: true });
    const ended = await h.coordinator().done;
    expect(ended.code, ended.err).toBe(2);
    expect(ended.err).toContain('E_QUEUE_UNSUPPORTED');
    expect(ended.err).toContain('prompt variants do not run on workers yet');
    expect(() => h.stored()).toThrow();
  }, 60_000);

  it('grades with the judge on the workers, its key from their environment, never in Redis', async () => {
    const fake = await FakeOpenAi.start();
    try {
      h.project(4, {
        extra: [
          `judge: {base_url: "${fake.baseUrl}", model: judge-model, api_key: "\${JUDGE_KEY}", rate_limit: {per_minute: 60000, burst: 5}}`,
          `default_assert: [{type: llm_judge, value: '"question" must be answered'}]`,
        ].join('\n'),
      });
      const workerEnv = { WF_KEY: SECRET, JUDGE_KEY: 'sk-judge-secret' };
      h.worker('w1', { env: workerEnv });
      h.worker('w2', { env: workerEnv });
      const run = h.coordinator([], { JUDGE_KEY: 'sk-judge-secret' });
      const ended = await run.done;
      expect(ended.code, ended.err).toBe(0);
      expect(h.stored().caseIds).toHaveLength(12);
      // Every case judged (and passed: exit 0) by a worker, with the key from its own
      // environment; a worker asks once for the same output of repeated cases.
      expect(fake.requests.length).toBeGreaterThanOrEqual(4);
      expect(fake.requests.length).toBeLessThanOrEqual(12);
      expect(new Set(fake.requests.map((r) => r.authorization))).toEqual(
        new Set(['Bearer sk-judge-secret']),
      );
      expect(await h.everything()).not.toContain('sk-judge-secret');
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('Ctrl-C cancels the run on every worker, keeps what finished, and resumes through the queue', async () => {
    h.project(12);
    const sim = h.sim();
    const interrupted = await h.withBehaviour(latency(1500), async () => {
      const w1 = h.worker('w1');
      const run = h.coordinator();
      const before = sim.stats().runsFinished;
      const stopsBefore = sim.stats().stops.length;
      // Interrupted while cases are in flight on the worker (each takes 1.5 s at the simulator).
      await until(() => sim.stats().runsFinished >= before + 4 && sim.app('wf').inFlight >= 2);
      run.kill('SIGINT');
      const ended = await run.done;
      expect(ended.code).toBe(130);
      expect(ended.err).toMatch(
        /resume with: dify-autoopt run -c suite\.yaml --resume (\S+) --queue /,
      );
      const stored = h.stored();
      expect(stored.status).toBe('interrupted');
      expect(stored.caseIds.length).toBeLessThan(36);
      // The worker aborted its cases in flight: their Dify runs were stopped through the API.
      await until(() => sim.stats().stops.length > stopsBefore);
      // …and, the run cancelled, it starts none of its queued cases.
      await until(() => sim.app('wf').inFlight === 0);
      const startedAfter = sim.stats().runsStarted;
      expect(w1.output()).not.toContain('Error');
      expect(w1.output()).toContain(`worker w1: taking cases of run ${stored.runId}`);
      expect(w1.output()).toMatch(
        /worker w1: run \S+ cancelled; aborting its [1-9]\d* case\(s\) in flight/,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sim.stats().runsStarted).toBe(startedAfter);
      return stored;
    });
    const resumed = await h.coordinator(['--resume', interrupted.runId]).done;
    expect(resumed.code, resumed.err).toBe(0);
    const after = h.stored();
    expect(after.caseIds).toHaveLength(36);
    expect(new Set(after.caseIds).size).toBe(36);
  }, 60_000);

  it('says the run is gone when Redis loses it mid-run, and how to resume', async () => {
    h.project(12);
    await h.withBehaviour(latency(300), async () => {
      h.worker('w1');
      const run = h.coordinator();
      const before = h.sim().stats().runsFinished;
      await until(() => h.sim().stats().runsFinished >= before + 2);
      await h.inspect().flushall();
      const ended = await run.done;
      expect(ended.code).toBe(1);
      expect(ended.err).toContain('E_QUEUE_GONE');
      expect(ended.err).toMatch(/is gone from the queue's Redis .*--resume \S+ --queue/);
      expect(h.stored().status).toBe('stopped');
    });
  }, 60_000);

  it('warns a worker whose Redis may evict keys', async () => {
    h.project(1);
    await h.inspect().config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const w = h.worker('evictable');
      await until(() => w.output().includes('serving'));
      expect(w.output()).toContain('maxmemory-policy is allkeys-lru; set it to noeviction');
    } finally {
      await h.inspect().config('SET', 'maxmemory-policy', 'noeviction');
    }
  }, 60_000);
});
