// Distributed runs (#15) under limits and faults: one concurrency cap per app across workers,
// Dify's 429 learned once for all, a worker of another version, Redis restarted, and workers
// killed again and again: every case stored exactly once.
import { describe, expect, it } from 'vitest';
import { until, type Spawned } from './support/cli-process.js';
import { distributedHarness } from './support/distributed-harness.js';

const h = distributedHarness();
const latency = (ms: number): { latency_ms: { minMs: number; maxMs: number } } => ({
  latency_ms: { minMs: ms, maxMs: ms },
});

describe('run --queue: limits shared by every worker', () => {
  it("holds the run's concurrency per app across two workers", async () => {
    h.project(8, { concurrency: 3 });
    const app = h.sim().app('wf');
    await h.withBehaviour(latency(150), async () => {
      app.maxInFlight = 0;
      h.worker('w1', { concurrency: 4 });
      h.worker('w2', { concurrency: 4 });
      const ended = await h.coordinator().done;
      expect(ended.code, ended.err).toBe(0);
      // Eight slots between them, three for the app.
      expect(app.maxInFlight).toBeLessThanOrEqual(3);
      expect(app.maxInFlight).toBeGreaterThan(1);
      expect(h.stored().caseIds).toHaveLength(24);
    });
  }, 60_000);

  it("learns Dify's per-app cap from its 429 once for every worker", async () => {
    h.project(12, { concurrency: 8 });
    const sim = h.sim();
    await h.withBehaviour(
      { ...latency(100), concurrency_cap: 2, cap_states_limit: true },
      async () => {
        const rejectedBefore = sim.stats().rejectedByCap;
        h.worker('w1', { concurrency: 4 });
        h.worker('w2', { concurrency: 4 });
        const ended = await h.coordinator().done;
        expect(ended.code, ended.err).toBe(0);
        expect(h.stored().caseIds).toHaveLength(36);
        // At most the first wave over the cap was refused; each worker guessing alone would be
        // refused all run long.
        expect(sim.stats().rejectedByCap - rejectedBefore).toBeLessThanOrEqual(8);
      },
    );
  }, 60_000);
});

describe('run --queue: faults', () => {
  it('refuses the run on a worker of another version, with both versions said', async () => {
    h.project(2);
    const run = h.coordinator();
    const key = await (async (): Promise<string> => {
      for (;;) {
        const [found] = await h.inspect().keys('dify-autoopt:run:*:config');
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const announcement = JSON.parse((await h.inspect().get(key)) ?? '{}') as object;
    await h.inspect().set(key, JSON.stringify({ ...announcement, toolVersion: '9.9.9' }));
    h.worker('old');
    const ended = await run.done;
    expect(ended.code).toBe(1);
    expect(ended.err).toMatch(/worker old runs dify-autoopt \S+, the run was planned by 9\.9\.9/);
  }, 60_000);

  it('Redis restarted empty: the coordinator says so, the workers reconnect and finish the resumed run', async () => {
    h.project(12);
    await h.withBehaviour(latency(200), async () => {
      const w1 = h.worker('w1');
      const run = h.coordinator();
      const before = h.sim().stats().runsFinished;
      await until(() => h.sim().stats().runsFinished >= before + 4);
      await h.restartRedis();
      const ended = await run.done;
      expect(ended.code).toBe(1);
      expect(ended.err).toMatch(/E_QUEUE_GONE|E_QUEUE_FAILED/);
      expect(ended.err).toMatch(/--resume \S+ --queue/);
      const { runId, caseIds } = h.stored();
      expect(caseIds.length).toBeLessThan(36);
      // The same worker, reconnected, serves the resumed run.
      const resumed = await h.coordinator(['--resume', runId]).done;
      expect(resumed.code, resumed.err).toBe(0);
      const after = h.stored();
      expect(after.caseIds).toHaveLength(36);
      expect(new Set(after.caseIds).size).toBe(36);
      expect(after.workers.every((w) => w === 'w1')).toBe(true);
      expect(w1.output()).not.toMatch(/Unhandled|TypeError/);
      expect(w1.output()).toContain('worker: lost Redis');
    });
  }, 90_000);

  it('Redis restarted with its data: the coordinator and the workers reconnect and finish the run', async () => {
    h.project(12);
    await h.withBehaviour(latency(200), async () => {
      const w1 = h.worker('w1', { fast: true });
      const run = h.coordinator();
      const before = h.sim().stats().runsFinished;
      await until(() => h.sim().stats().runsFinished >= before + 6);
      await h.restartRedis({ keepData: true });
      const ended = await run.done;
      expect(ended.code, ended.err).toBe(0);
      const { caseIds, status } = h.stored();
      expect(status).toBe('finished');
      expect(caseIds).toHaveLength(36);
      expect(new Set(caseIds).size).toBe(36);
      expect(w1.output()).toContain('worker: Redis is back');
    });
  }, 90_000);

  it("never shows the Redis password: the coordinator's lines and the worker's log say ***", async () => {
    h.project(2);
    const password = 'hunter2-redis-secret';
    await h.inspect().config('SET', 'requirepass', password);
    try {
      const url = `redis://:${password}@127.0.0.1:${h.redis().port}`;
      const worker = h.cli(['worker', '--redis', url, '--name', 'w1']);
      const run = h.cli(['run', '-c', 'suite.yaml', '--queue', url]);
      const ended = await run.done;
      expect(ended.code, ended.err).toBe(0);
      await until(() => worker.output().includes('serving'));
      expect(ended.err).toContain(`coordinating on redis://:***@127.0.0.1:${h.redis().port}`);
      expect(worker.output()).toContain('serving redis://:***@');
      expect(ended.out + ended.err + worker.output()).not.toContain(password);
    } finally {
      await h.inspect().config('SET', 'requirepass', '');
    }
  }, 60_000);

  it('20 workers killed in a row during one run: every case stored exactly once', async () => {
    h.project(30, { concurrency: 12 });
    await h.withBehaviour(latency(120), async () => {
      let serial = 0;
      const live: Spawned[] = [];
      const start = (): void => {
        serial += 1;
        live.push(h.worker(`w${serial}`, { fast: true }));
      };
      for (let i = 0; i < 3; i += 1) start();
      const run = h.coordinator();
      const state = { finished: false };
      void run.done.then(() => (state.finished = true));
      const over = (): boolean => state.finished;
      const sim = h.sim();
      let kills = 0;
      while (kills < 20 && !over()) {
        const started = sim.stats().runsStarted;
        await until(() => over() || sim.stats().runsStarted >= started + 2);
        if (over()) break;
        const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0];
        victim?.kill('SIGKILL');
        kills += 1;
        start();
      }
      const ended = await run.done;
      expect(ended.code, ended.err).toBe(0);
      expect(kills).toBeGreaterThanOrEqual(10);
      const { caseIds, status } = h.stored();
      expect(status).toBe('finished');
      expect(caseIds).toHaveLength(90);
      expect(new Set(caseIds).size).toBe(90);
    });
  }, 120_000);
});
