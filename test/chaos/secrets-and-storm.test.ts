// A first slice of the reliability suite: a 429 storm against a capped app, and no secret left
// anywhere after a run full of faults.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/cli-context.js';
import { main } from '../../src/cli/main.js';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { RunStore } from '../../src/store/run-store.js';
import { startSimulator } from '../support/simulator.js';

const KEY = 'app-reliability-secret-key-4711';
let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'reliability-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'capped',
        api_key: KEY,
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: { min: 5, max: 15 }, concurrency_cap: 4 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

describe('reliability', () => {
  it('settles at the cap Dify states through a 429 storm and 5xx bursts, every case ending with its true status, no secret anywhere', async () => {
    sim.faults.add({ kind: 'storm_429', count: 30 });
    sim.faults.add({ kind: 'http_5xx', count: 10, status: 503 });
    sim.faults.add({ kind: 'drop_stream', afterEvents: 2, count: 5 });
    sim.faults.add({ kind: 'malformed_frames', count: 5 });
    const file = join(dir, 'storm.yaml');
    writeFileSync(
      file,
      `dify:\n  base_url: ${sim.url}\nstore: {path: ${join(dir, 'storm.db')}}\nworkflows:\n  - id: capped\n    api_key: \${RELIABILITY_KEY}\n    mode: workflow\n    inputs: {query: "case {ID}"}\n    repeat: 200\nexecution:\n  concurrency: 32\n  retry: {max_attempts: 12, backoff: 0.01, max_backoff: 0.1}\n`,
    );
    const out: string[] = [];
    const err: string[] = [];
    process.env.RELIABILITY_KEY = KEY;
    const code = await main(
      ['node', 'x', 'run', '-c', file, '--no-progress', '-o', join(dir, 'storm.json')],
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      },
    );
    delete process.env.RELIABILITY_KEY;
    expect(code, err.join('\n')).toBe(ExitCode.Ok);
    const stats = sim.stats();
    expect(stats.apps.capped?.maxInFlight).toBeLessThanOrEqual(4);
    // The first wave of 32 met the cap; once the executor learned it, it stayed at 4 or below.
    expect(stats.rejectedByCap).toBeGreaterThan(0);
    expect(stats.rejectedByCap).toBeLessThan(40);
    const store = RunStore.open(join(dir, 'storm.db'));
    const [run] = store.listRuns();
    expect(store.countByStatus(run?.id ?? '')).toEqual({ succeeded: 200 });
    const results = [...store.results(run?.id ?? '')];
    expect(new Set(results.map((r) => r.workflowRunId)).size).toBe(200);
    expect(results.filter((r) => r.attempts > 1).length).toBeGreaterThan(0);
    store.close();
    // The key is nowhere: not in the store's files, the report, or anything printed.
    const haystacks = [
      ...readdirSync(dir)
        .filter((name) => name.startsWith('storm'))
        .map((name) => readFileSync(join(dir, name)).toString('latin1')),
      out.join('\n'),
      err.join('\n'),
    ];
    for (const text of haystacks) expect(text).not.toContain(KEY);
  }, 60_000);
});
