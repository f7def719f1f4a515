// The set-up the distributed tests share: a redis-server and a simulator of their own, a project
// per test, worker and coordinator processes (killed after each test), and what Redis and the
// store hold.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { SimBehaviour } from '../../src/simulator/simulator-config.js';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { RunStore } from '../../src/store/run-store.js';
import { cli, type Spawned } from './cli-process.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { startSimulator } from './simulator.js';

export const SECRET = 'app-distributed-secret-key';
const env = { WF_KEY: SECRET };

/** What a distributed test drives. */
export interface Harness {
  readonly redis: () => TestRedis;
  /** Kills redis-server and starts it on its port: empty, or with `keepData` from a snapshot. */
  restartRedis(options?: { keepData?: boolean }): Promise<void>;
  /** A client to look into Redis with. */
  readonly inspect: () => Redis;
  readonly sim: () => DifySimulator;
  /** A project with a suite of `cases` × 3 repeats whose key comes from WF_KEY. */
  project(
    cases: number,
    options?: { extra?: string; concurrency?: number; variants?: boolean },
  ): string;
  worker(
    name: string,
    options?: { env?: Record<string, string>; fast?: boolean; concurrency?: number },
  ): Spawned;
  coordinator(args?: readonly string[], env?: Record<string, string>): Spawned;
  /** Any other command, in the project. */
  cli(args: readonly string[]): Spawned;
  /** Runs `body` with the app's behaviour changed, then puts it back. */
  withBehaviour<T>(patch: Partial<SimBehaviour>, body: () => Promise<T>): Promise<T>;
  /** Every string a Redis key holds, whatever its type. */
  everything(): Promise<string>;
  /** The stored results of the project's only run. */
  stored(): {
    runId: string;
    status: string;
    caseIds: string[];
    workers: (string | null)[];
    deliveries: (number | null)[];
  };
}

/** Sets up the hooks of a distributed test file and returns its harness. */
export function distributedHarness(): Harness {
  let redis: TestRedis | undefined;
  let inspect: Redis | undefined;
  let sim: DifySimulator | undefined;
  let dir = '';
  const spawned: Spawned[] = [];
  const must = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the harness is not set up');
    return value;
  };
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
    await must(inspect).flushall();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    inspect?.disconnect();
    await sim?.close();
    await redis?.stop();
  });
  const harness: Harness = {
    redis: () => must(redis),
    restartRedis: async (options = {}) => {
      const { port, dir: redisDir } = must(redis);
      const keepData = options.keepData === true;
      if (keepData) await must(inspect).save();
      await must(redis).stop({ keepDir: keepData });
      redis = await startRedis({
        port,
        dir: keepData ? redisDir : mkdtempSync(join(tmpdir(), 'redis-')),
      });
    },
    inspect: () => must(inspect),
    sim: () => must(sim),
    project: (cases, options = {}) => {
      dir = mkdtempSync(join(tmpdir(), 'distributed-'));
      writeFileSync(join(dir, 'package.json'), '{}');
      const queries = Array.from({ length: cases }, (_, i) => `question ${i + 1}`);
      writeFileSync(
        join(dir, 'suite.yaml'),
        [
          options.variants === true
            ? `dify: {base_url: ${must(sim).url}, email: a@example.com, password: pw}`
            : `dify: {base_url: ${must(sim).url}}`,
          'workflows:',
          '  - id: wf',
          '    api_key: ${WF_KEY}',
          '    mode: workflow',
          `    inputs: {query: ${JSON.stringify(queries)}}`,
          '    repeat: 3',
          ...(options.variants === true
            ? ['    app_id: wf-app', '    variants: [{name: a}, {name: b}]']
            : []),
          "    assert: [{type: javascript, name: answered, value: 'output.length > 0'}]",
          `execution: {concurrency: ${options.concurrency ?? 8}, rate_limit: {per_minute: 60000, burst: 20}}`,
          options.extra ?? '',
        ].join('\n'),
      );
      return join(dir, 'suite.yaml');
    },
    worker: (name, options = {}) => {
      const locks =
        options.fast === true ? ['--lock-duration', '1000', '--stalled-interval', '500'] : [];
      const child = cli(
        [
          'worker',
          '--redis',
          must(redis).url,
          '--name',
          name,
          '-j',
          String(options.concurrency ?? 4),
          ...locks,
        ],
        dir,
        options.env ?? env,
      );
      spawned.push(child);
      return child;
    },
    coordinator: (args = [], extraEnv = {}) => {
      const child = cli(['run', '-c', 'suite.yaml', '--queue', must(redis).url, ...args], dir, {
        ...env,
        ...extraEnv,
      });
      spawned.push(child);
      return child;
    },
    cli: (args) => {
      const child = cli(args, dir, env);
      spawned.push(child);
      return child;
    },
    withBehaviour: async (patch, body) => {
      const app = must(sim).app('wf');
      const before = app.behaviour;
      app.behaviour = { ...before, ...patch };
      try {
        return await body();
      } finally {
        app.behaviour = before;
      }
    },
    everything: async () => {
      const client = must(inspect);
      const texts: string[] = [];
      for (const key of await client.keys('*')) {
        const type = await client.type(key);
        if (type === 'string') texts.push((await client.get(key)) ?? '');
        else if (type === 'hash') texts.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'list') texts.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === 'stream') texts.push(JSON.stringify(await client.xrange(key, '-', '+')));
        else if (type === 'zset') texts.push(JSON.stringify(await client.zrange(key, 0, -1)));
      }
      return texts.join('\n');
    },
    stored: () => {
      const store = RunStore.open(join(dir, '.dify-autoopt', 'runs.db'), { readonly: true });
      try {
        const run = store.listRuns()[0];
        if (run === undefined) throw new Error('no run');
        const results = [...store.results(run.id)];
        return {
          runId: run.id,
          status: store.getRun(run.id)?.status ?? '',
          caseIds: results.map((r) => r.caseId),
          workers: results.map((r) => r.worker ?? null),
          deliveries: results.map((r) => r.deliveries ?? null),
        };
      } finally {
        store.close();
      }
    },
  };
  return harness;
}
