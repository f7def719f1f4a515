// Distributed runs (#15): `run --queue` coordinating real `worker` processes through a real
// redis-server, against the simulator over loopback. Every case is stored exactly once, whatever
// dies; no secret reaches Redis.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { RunStore } from '../src/store/run-store.js';
import { cli, until, type Spawned } from './support/cli-process.js';
import { startRedis, type TestRedis } from './support/redis-server.js';
import { startSimulator } from './support/simulator.js';

const SECRET = 'app-distributed-secret-key';
let redis: TestRedis;
let inspect: Redis;
let sim: DifySimulator;
let dir: string;
const spawned: Spawned[] = [];

beforeAll(async () => {
  redis = await startRedis();
  inspect = new Redis(redis.port, '127.0.0.1');
  sim = await startSimulator({
    apps: [
      { id: 'wf', api_key: SECRET, dsl: 'workflow-llm-basic.yml', behaviour: { latency_ms: 50 } },
    ],
  });
}, 30_000);
afterEach(async () => {
  for (const child of spawned.splice(0)) {
    child.kill('SIGKILL');
    await child.done;
  }
  await inspect.flushall();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  inspect.disconnect();
  await sim.close();
  await redis.stop();
});

/** A project with a suite of `cases` × 3 repeats whose key comes from WF_KEY. */
function project(cases: number, extra = ''): string {
  dir = mkdtempSync(join(tmpdir(), 'distributed-'));
  writeFileSync(join(dir, 'package.json'), '{}');
  const queries = Array.from({ length: cases }, (_, i) => `question ${i + 1}`);
  writeFileSync(
    join(dir, 'suite.yaml'),
    [
      `dify: {base_url: ${sim.url}}`,
      'workflows:',
      '  - id: wf',
      '    api_key: ${WF_KEY}',
      '    mode: workflow',
      `    inputs: {query: ${JSON.stringify(queries)}}`,
      '    repeat: 3',
      "    assert: [{type: javascript, name: answered, value: 'output.length > 0'}]",
      'execution: {concurrency: 4, rate_limit: {per_minute: 60000, burst: 20}}',
      extra,
    ].join('\n'),
  );
  return join(dir, 'suite.yaml');
}

const env = { WF_KEY: SECRET };

function worker(
  name: string,
  options: { env?: Record<string, string>; fast?: boolean } = {},
): Spawned {
  const locks =
    options.fast === true ? ['--lock-duration', '1000', '--stalled-interval', '500'] : [];
  const child = cli(
    ['worker', '--redis', redis.url, '--name', name, '-j', '4', ...locks],
    dir,
    options.env ?? env,
  );
  spawned.push(child);
  return child;
}

function coordinator(args: readonly string[] = []): Spawned {
  const child = cli(['run', '-c', 'suite.yaml', '--queue', redis.url, ...args], dir, env);
  spawned.push(child);
  return child;
}

/** Every string a Redis key holds, whatever its type. */
async function everything(): Promise<string> {
  const texts: string[] = [];
  for (const key of await inspect.keys('*')) {
    const type = await inspect.type(key);
    if (type === 'string') texts.push((await inspect.get(key)) ?? '');
    else if (type === 'hash') texts.push(JSON.stringify(await inspect.hgetall(key)));
    else if (type === 'list') texts.push(JSON.stringify(await inspect.lrange(key, 0, -1)));
    else if (type === 'stream') texts.push(JSON.stringify(await inspect.xrange(key, '-', '+')));
    else if (type === 'zset') texts.push(JSON.stringify(await inspect.zrange(key, 0, -1)));
  }
  return texts.join('\n');
}

/** The stored results of the project's only run, by case id. */
function stored(): { runId: string; status: string; caseIds: string[] } {
  const store = RunStore.open(join(dir, '.dify-autoopt', 'runs.db'), { readonly: true });
  try {
    const run = store.listRuns()[0];
    if (run === undefined) throw new Error('no run');
    return {
      runId: run.id,
      status: store.getRun(run.id)?.status ?? '',
      caseIds: [...store.results(run.id)].map((r) => r.caseId),
    };
  } finally {
    store.close();
  }
}

describe('run --queue with worker processes', () => {
  it('spreads a suite over two workers, stores each case once, and leaves no secret or key in Redis', async () => {
    project(10);
    const run = coordinator();
    // Before any worker: the run is announced and queued, its configuration unresolved.
    let announced = '';
    for (let i = 0; i < 200 && !announced.includes('${WF_KEY}'); i += 1) {
      announced = await everything();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(announced).toContain('${WF_KEY}');
    expect(announced).not.toContain(SECRET);
    worker('w1');
    worker('w2');
    const ended = await run.done;
    expect(ended.code, ended.err).toBe(0);
    expect(ended.err).toMatch(/workers: (w1|w2) \d+, (w1|w2) \d+/);
    const { caseIds, status } = stored();
    expect(status).toBe('finished');
    expect(caseIds).toHaveLength(30);
    expect(new Set(caseIds).size).toBe(30);
    // A finished run leaves nothing of its own in Redis; finished jobs are gone too.
    expect(await inspect.keys('dify-autoopt:run:*')).toEqual([]);
    expect(await everything()).not.toContain(SECRET);
  }, 60_000);

  it('finishes every case elsewhere when a worker is killed mid-run, each stored once', async () => {
    project(12);
    sim.app('wf').behaviour = {
      ...sim.app('wf').behaviour,
      latency_ms: { minMs: 300, maxMs: 300 },
    };
    try {
      const doomed = worker('doomed', { fast: true });
      worker('survivor', { fast: true });
      const run = coordinator();
      const before = sim.stats().runsStarted;
      await until(() => sim.stats().runsStarted >= before + 6);
      doomed.kill('SIGKILL');
      const ended = await run.done;
      expect(ended.code, ended.err).toBe(0);
      const { caseIds } = stored();
      expect(caseIds).toHaveLength(36);
      expect(new Set(caseIds).size).toBe(36);
    } finally {
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        latency_ms: { minMs: 50, maxMs: 50 },
      };
    }
  }, 60_000);

  it('resumes after the coordinator is killed: what finished is not run again, each case once', async () => {
    project(12);
    sim.app('wf').behaviour = {
      ...sim.app('wf').behaviour,
      latency_ms: { minMs: 200, maxMs: 200 },
    };
    try {
      worker('w1');
      const first = coordinator();
      const started = sim.stats().runsStarted;
      const before = sim.stats().runsFinished;
      await until(() => sim.stats().runsFinished >= before + 8);
      first.kill('SIGKILL');
      await first.done;
      const { runId } = stored();
      const resumed = coordinator(['--resume', runId]);
      const ended = await resumed.done;
      expect(ended.code, ended.err).toBe(0);
      const after = stored();
      expect(after.status).toBe('finished');
      expect(after.caseIds).toHaveLength(36);
      expect(new Set(after.caseIds).size).toBe(36);
      // Results the dead coordinator never stored are taken from the stream, not run again; at
      // most a case ending between that and its enqueue (one per worker slot) runs twice.
      expect(sim.stats().runsStarted - started).toBeLessThanOrEqual(36 + 4);
    } finally {
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        latency_ms: { minMs: 50, maxMs: 50 },
      };
    }
  }, 60_000);

  it("stops the run with the worker's reason when a worker cannot read its configuration", async () => {
    project(2);
    worker('keyless', { env: {} });
    const ended = await coordinator().done;
    expect(ended.code).toBe(1);
    expect(ended.err).toContain('run stopped: worker keyless cannot read the run');
    expect(ended.err).toContain('WF_KEY');
    expect(ended.err).toMatch(
      /resume with: dify-autoopt run -c suite\.yaml --resume \S+ --queue redis:/,
    );
    expect(ended.err).not.toContain(SECRET);
  }, 60_000);

  it('refuses what workers cannot run yet (a judge), exit 2', async () => {
    project(
      2,
      [
        'judge: {base_url: "http://127.0.0.1:9/v1", model: m}',
        'default_assert: [{type: llm_judge, value: "is it polite?"}]',
      ].join('\n'),
    );
    const ended = await coordinator().done;
    expect(ended.code).toBe(2);
    expect(ended.err).toContain('E_QUEUE_UNSUPPORTED');
    expect(ended.err).toContain('llm_judge assertions do not run on workers yet');
  }, 60_000);

  it('Ctrl-C cancels the run on every worker, keeps what finished, and resumes through the queue', async () => {
    project(12);
    sim.app('wf').behaviour = {
      ...sim.app('wf').behaviour,
      latency_ms: { minMs: 1500, maxMs: 1500 },
    };
    try {
      const w1 = worker('w1');
      const run = coordinator();
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
      const interrupted = stored();
      expect(interrupted.status).toBe('interrupted');
      expect(interrupted.caseIds.length).toBeLessThan(36);
      // The worker aborted its cases in flight: their Dify runs were stopped through the API.
      await until(() => sim.stats().stops.length > stopsBefore);
      // …and, the run cancelled, it starts none of its queued cases.
      await until(() => sim.app('wf').inFlight === 0);
      const startedAfter = sim.stats().runsStarted;
      expect(w1.output()).not.toContain('Error');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sim.stats().runsStarted).toBe(startedAfter);
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        latency_ms: { minMs: 50, maxMs: 50 },
      };
      const resumed = await coordinator(['--resume', interrupted.runId]).done;
      expect(resumed.code, resumed.err).toBe(0);
      const after = stored();
      expect(after.caseIds).toHaveLength(36);
      expect(new Set(after.caseIds).size).toBe(36);
    } finally {
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        latency_ms: { minMs: 50, maxMs: 50 },
      };
    }
  }, 60_000);

  it('says the run is gone when Redis loses it mid-run, and how to resume', async () => {
    project(12);
    sim.app('wf').behaviour = {
      ...sim.app('wf').behaviour,
      latency_ms: { minMs: 300, maxMs: 300 },
    };
    try {
      worker('w1');
      const run = coordinator();
      const before = sim.stats().runsFinished;
      await until(() => sim.stats().runsFinished >= before + 2);
      await inspect.flushall();
      const ended = await run.done;
      expect(ended.code).toBe(1);
      expect(ended.err).toContain('E_QUEUE_GONE');
      expect(ended.err).toMatch(/is gone from the queue's Redis .*--resume \S+ --queue/);
      expect(stored().status).toBe('stopped');
    } finally {
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        latency_ms: { minMs: 50, maxMs: 50 },
      };
    }
  }, 60_000);

  it('warns a worker whose Redis may evict keys', async () => {
    project(1);
    await inspect.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const w = worker('evictable');
      await until(() => w.output().includes('serving'));
      expect(w.output()).toContain('maxmemory-policy is allkeys-lru; set it to noeviction');
    } finally {
      await inspect.config('SET', 'maxmemory-policy', 'noeviction');
    }
  }, 60_000);
});
