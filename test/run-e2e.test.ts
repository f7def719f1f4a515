// The built CLI, spawned, against a simulator on 127.0.0.1: runs, crashes, resume, retry, Ctrl-C.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { RunStore } from '../src/store/run-store.js';
import { cli, until } from './support/cli-process.js';
import { FakeOpenAi } from './support/fake-openai.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
let dir: string;

function config(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `dify:\n  base_url: ${sim.url}\nstore:\n  path: ${join(dir, `${name}.db`)}\n${body}`,
  );
  return file;
}

function storeOf(name: string): RunStore {
  return RunStore.open(join(dir, `${name}.db`));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e2e-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'fast',
        api_key: 'app-e2e-fast',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: { min: 20, max: 60 } },
      },
      {
        id: 'slow',
        api_key: 'app-e2e-slow',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 3000 },
      },
      {
        id: 'flaky',
        api_key: 'app-e2e-flaky',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 5, failure_rate: 0.5 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

const QUERIES = Array.from({ length: 60 }, (_, i) => `question ${i}`);

describe('dify-autoopt run, end to end', () => {
  it('runs every case, stores each result, and exits 0', async () => {
    const file = config(
      'basic.yaml',
      `workflows:\n  - id: fast\n    api_key: app-e2e-fast\n    mode: workflow\n    inputs: {query: ${JSON.stringify(QUERIES.slice(0, 12))}}\n`,
    );
    const run = await cli(['run', '-c', file, '--no-progress', '-o', join(dir, 'basic.json')], dir)
      .done;
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('pass rate  100.0%');
    const store = storeOf('basic.yaml');
    const [latest] = store.listRuns();
    expect(latest?.status).toBe('finished');
    expect(store.countByStatus(latest?.id ?? '')).toEqual({ succeeded: 12 });
    expect(JSON.stringify(latest?.config)).not.toContain('app-e2e-fast');
    store.close();
  });

  it('after a SIGKILL mid-run, --resume stores every case exactly once and reruns nothing finished', async () => {
    const file = config(
      'kill.yaml',
      `workflows:\n  - id: fast\n    api_key: app-e2e-fast\n    mode: workflow\n    inputs: {query: ${JSON.stringify(QUERIES)}}\nexecution:\n  concurrency: 4\n`,
    );
    const first = cli(['run', '-c', file, '--no-progress'], dir);
    const store = storeOf('kill.yaml');
    await until(() => {
      const [run] = store.listRuns();
      return run !== undefined && (store.countByStatus(run.id).succeeded ?? 0) >= 15;
    });
    first.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const [run] = store.listRuns();
    const runId = run?.id ?? '';
    expect(run?.status).toBe('running');
    const before = new Map(
      [...store.results(runId)]
        .filter((r) => r.status === 'succeeded')
        .map((r) => [r.caseId, r.workflowRunId]),
    );
    expect(before.size).toBeGreaterThanOrEqual(15);
    expect(before.size).toBeLessThan(60);
    const resumed = await cli(['run', '-c', file, '--no-progress', '--resume', runId], dir).done;
    expect(resumed.code, resumed.err).toBe(0);
    const after = [...store.results(runId)];
    expect(after).toHaveLength(60);
    expect(new Set(after.map((r) => r.caseId)).size).toBe(60);
    expect(after.every((r) => r.status === 'succeeded')).toBe(true);
    for (const result of after) {
      if (before.has(result.caseId)) expect(result.workflowRunId).toBe(before.get(result.caseId));
    }
    expect(store.getRun(runId)?.status).toBe('finished');
    store.close();
  }, 60_000);

  it('--retry-errors runs again only the cases that failed', async () => {
    const file = config(
      'retry.yaml',
      `workflows:\n  - id: flaky\n    api_key: app-e2e-flaky\n    mode: workflow\n    inputs: {query: ${JSON.stringify(QUERIES.slice(0, 30))}}\n`,
    );
    const first = await cli(['run', '-c', file, '--no-progress'], dir).done;
    // Some runs failed: exit 1, the failures on screen by cause; all passed after the retry: 0.
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/failures: \d+\n {2}\d+ × failed: E_DIFY_RUN_FAILED/);
    expect(first.out).toContain('all of them: dify-autoopt runs show');
    const store = storeOf('retry.yaml');
    const [run] = store.listRuns();
    const runId = run?.id ?? '';
    const failed = store.caseIdsWithStatus(runId, ['failed']);
    expect(failed.size).toBeGreaterThan(0);
    const succeededBefore = new Map(
      [...store.results(runId)]
        .filter((r) => r.status === 'succeeded')
        .map((r) => [r.caseId, r.workflowRunId]),
    );
    sim.app('flaky').behaviour = { ...sim.app('flaky').behaviour, failure_rate: 0 };
    const startedBefore = sim.stats().runsStarted;
    const retry = await cli(['run', '-c', file, '--no-progress', '--retry-errors', runId], dir)
      .done;
    expect(retry.code, retry.err).toBe(0);
    expect(sim.stats().runsStarted - startedBefore).toBe(failed.size);
    const after = [...store.results(runId)];
    expect(after.every((r) => r.status === 'succeeded')).toBe(true);
    for (const [caseId, runIdBefore] of succeededBefore) {
      expect(after.find((r) => r.caseId === caseId)?.workflowRunId).toBe(runIdBefore);
    }
    store.close();
  }, 60_000);

  it('on SIGINT stops the Dify runs in flight, keeps what finished, and prints how to resume', async () => {
    const file = config(
      'sigint.yaml',
      `workflows:\n  - id: slow\n    api_key: app-e2e-slow\n    mode: workflow\n    inputs: {query: ${JSON.stringify(QUERIES.slice(0, 8))}}\nexecution:\n  concurrency: 3\n`,
    );
    const stopsBefore = sim.stats().stops.length;
    const child = cli(['run', '-c', file, '--no-progress'], dir);
    await until(() => sim.stats().apps.slow?.inFlight === 3);
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const result = await child.done;
    expect(result.code, result.err).toBe(130);
    expect(result.err).toMatch(
      /resume with: dify-autoopt run -c .*sigint\.yaml --resume \d{8}-\d{6}-[0-9a-f]{4}/,
    );
    const stops = sim.stats().stops.slice(stopsBefore);
    expect(stops).toHaveLength(3);
    expect(stops.every((s) => s.appId === 'slow' && s.user.startsWith('dify-autoopt-'))).toBe(true);
    await until(() => sim.stats().apps.slow?.inFlight === 0, 5000);
    const store = storeOf('sigint.yaml');
    const [run] = store.listRuns();
    expect(run?.status).toBe('interrupted');
    expect(store.countByStatus(run?.id ?? '')).toEqual({ cancelled: 8 });
    store.close();
  }, 30_000);

  it('refuses a bad configuration with exit code 2, naming the key, file, line and column', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'dify:\n  base_url: http://127.0.0.1:9\nworkflows:\n  - id: a\n    api_key: ${E2E_MISSING_KEY}\n    repet: 2\nexecution:\n  concurrency: 0\n',
    );
    const result = await cli(['run', '-c', file], dir).done;
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      `${file}:5:14: workflows.0.api_key: environment variable E2E_MISSING_KEY is not set`,
    );
    expect(result.err).toContain(`${file}:6:5: workflows.0.repet: unknown key`);
    expect(result.err).toContain(`${file}:8:16: execution.concurrency:`);
    const missing = await cli(['run', '-c', join(dir, 'nope.yaml')], dir).done;
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read the file (ENOENT)');
    const unknownRun = await cli(
      [
        'run',
        '-c',
        config('x.yaml', 'workflows:\n  - id: fast\n    api_key: k\n'),
        '--resume',
        'no-such-run',
      ],
      dir,
    ).done;
    expect(unknownRun.code).toBe(2);
    expect(unknownRun.err).toContain('E_RUN_NOT_FOUND');
  });

  it('runs the quickstart on the built-in simulator', async () => {
    const result = await cli(
      ['run', '-c', resolve('examples/quickstart.yaml'), '--no-progress'],
      dir,
    ).done;
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('using the built-in Dify simulator');
    expect(result.out).toMatch(/cases {6}39: /);
  });

  it('grades with a judge, a JSON schema and a JSON path, and writes every report format: the parts the bundle loads on demand', async () => {
    const judge = await FakeOpenAi.start();
    try {
      const file = config(
        'graded.yaml',
        [
          'judge:',
          `  base_url: ${judge.baseUrl}`,
          '  model: fake-judge',
          '  api_key: sk-e2e-judge',
          'workflows:',
          '  - id: fast',
          '    api_key: app-e2e-fast',
          '    mode: workflow',
          // The simulated model answers a JSON object when asked for json.
          `    inputs: {query: ${JSON.stringify(QUERIES.slice(0, 4).map((q) => `reply in json: ${q}`))}}`,
          '    assert:',
          '      - {type: llm_judge, value: \'Mentions "question"\'}',
          '      - {type: json_schema, value: {type: object, required: [answer]}}',
          '      - {type: json_path, path: $.answer}',
          '',
        ].join('\n'),
      );
      const outputs = ['html', 'xlsx', 'csv', 'junit.xml', 'json', 'jsonl'].map((ext) =>
        join(dir, `graded.${ext}`),
      );
      const run = await cli(
        ['run', '-c', file, '--no-progress', ...outputs.flatMap((o) => ['-o', o])],
        dir,
      ).done;
      expect(run.code, run.err).toBe(0);
      expect(run.out).toContain('judge      4 calls');
      expect(run.out).toContain('assert     llm_judge: 4/4 passed');
      expect(run.out).toContain('assert     json_schema: 4/4 passed');
      expect(run.out).toContain('assert     json_path: 4/4 passed');
      expect(judge.requests).toHaveLength(4);
      for (const output of outputs) expect(statSync(output).size).toBeGreaterThan(0);
      // The HTML page carries Chart.js inline (read from node_modules by the bundled writer).
      expect(readFileSync(outputs[0] ?? '', 'utf8')).toContain('Chart.js');
      // An Excel file is a zip.
      expect(
        readFileSync(outputs[1] ?? '')
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
    } finally {
      await judge.close();
    }
  });
});
