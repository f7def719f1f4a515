// runSuite in process against the simulator: fatal errors, file inputs, filters, outputs, validation.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config/load-config.js';
import { RunProgress } from '../src/run/run-progress.js';
import { runSuite } from '../src/run/run-suite.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { RunStore } from '../src/store/run-store.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'suite-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-suite-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 5 },
      },
      {
        id: 'files',
        api_key: 'app-suite-files',
        dsl_yaml:
          'app: {name: f, mode: workflow}\nkind: app\nversion: 0.3.1\nworkflow:\n  graph:\n    nodes:\n      - id: start\n        data: {type: start, title: Start, variables: [{variable: doc, type: file, required: true}, {variable: q, type: text-input, required: true, max_length: 10}]}\n      - id: end\n        data: {type: end, title: End, outputs: [{variable: answer, value_selector: [start, q]}]}\n    edges: [{source: start, target: end}]\n',
        behaviour: { latency_ms: 1 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

async function suite(
  name: string,
  yaml: string,
  extra: Partial<Parameters<typeof runSuite>[0]> = {},
) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `dify:\n  base_url: ${sim.url}\n${yaml}`);
  const loaded = await loadConfig(file, {});
  const store = RunStore.open(join(dir, `${name}.db`));
  const summary = await runSuite({ loaded, store, toolVersion: 'test', ...extra });
  return { summary, store, file };
}

describe('runSuite', () => {
  it('stops the whole run on a spent quota, says why, and can be resumed later', async () => {
    sim.faults.add({
      kind: 'http_error',
      status: 400,
      code: 'provider_quota_exceeded',
      message: 'Your quota has been exhausted.',
      app: 'wf',
    });
    const { summary, store, file } = await suite(
      'quota',
      `workflows:\n  - id: wf\n    api_key: app-suite-key\n    mode: workflow\n    inputs: {query: [a, b, c, d, e, f]}\nexecution: {concurrency: 1}\n`,
    );
    expect(summary.status).toBe('stopped');
    expect(summary.reason).toContain('provider_quota_exceeded');
    expect(summary.byStatus.failed).toBe(1);
    expect(summary.byStatus.cancelled).toBe(5);
    const resumed = await runSuite({
      loaded: await loadConfig(file, {}),
      store,
      toolVersion: 'test',
      resume: summary.runId,
    });
    expect(resumed.status).toBe('finished');
    expect(resumed.byStatus).toEqual({ failed: 1, succeeded: 5 });
    store.close();
  });

  it('uploads each file input once and sends it by its upload id', async () => {
    const doc = join(dir, 'doc.pdf');
    writeFileSync(doc, 'pdf');
    const { summary, store } = await suite(
      'files',
      `workflows:\n  - id: files\n    api_key: app-suite-files\n    mode: workflow\n    inputs:\n      doc: {type: file, value: doc.pdf}\n      q: [one, two, three]\n`,
    );
    expect(summary.byStatus).toEqual({ succeeded: 3 });
    expect([...store.results(summary.runId)].map((r) => r.outputs)).toEqual([
      { answer: 'one' },
      { answer: 'two' },
      { answer: 'three' },
    ]);
    store.close();
  });

  it('filters cases, overrides repeat, and reports live progress that adds up', async () => {
    const progress = new RunProgress();
    const { summary, store } = await suite(
      'filter',
      `workflows:\n  - id: wf\n    api_key: app-suite-key\n    inputs: {query: [x, y]}\n  - id: other\n    api_key: app-suite-key\n    inputs: {query: z}\n`,
      { filter: 'wf', repeat: 3, progress, concurrency: 2 },
    );
    expect(summary.total).toBe(6);
    expect(summary.byStatus).toEqual({ succeeded: 6 });
    expect(progress.snapshot()).toMatchObject({
      total: 6,
      done: 6,
      passed: 6,
      failed: 0,
      inFlight: 0,
      backoff: 0,
      queued: 0,
    });
    store.close();
  });
});

describe('the CLI on top of it', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  it('exits 1 under --fail-under, writes JSONL, and validate --remote finds what Dify would refuse', async () => {
    const file = join(dir, 'cli.yaml');
    writeFileSync(
      file,
      `dify:\n  base_url: ${sim.url}\nstore: {path: ${join(dir, 'cli.db')}}\nworkflows:\n  - id: wf\n    api_key: app-suite-key\n    inputs: {query: [a, b]}\n  - id: files\n    api_key: app-suite-files\n    inputs: {q: [short, much too long for it]}\n`,
    );
    const ran = io();
    const code = await main(
      [
        'node',
        'x',
        'run',
        '-c',
        file,
        '--quiet',
        '--fail-under',
        '0.9',
        '-o',
        join(dir, 'out.jsonl'),
      ],
      ran.io,
    );
    expect(code).toBe(ExitCode.Failed);
    expect(ran.err.join('\n')).toMatch(/pass rate \d+\.\d% is under --fail-under 90\.0%/);
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((line) => (JSON.parse(line) as { workflowId: string }).workflowId)).toEqual([
      'wf',
      'wf',
      'files',
      'files',
    ]);
    expect((JSON.parse(lines[0] ?? '{}') as { status: string }).status).toBe('succeeded');
    const checked = io();
    expect(await main(['node', 'x', 'validate', '-c', file, '--remote'], checked.io)).toBe(
      ExitCode.BadInput,
    );
    const text = checked.out.join('\n');
    expect(text).toContain('doc is required');
    expect(text).toContain('q is 20 characters, over max_length 10');
    const listed = io();
    await main(['node', 'x', 'runs', 'list', '--store', join(dir, 'cli.db')], listed.io);
    expect(listed.out[0]).toMatch(
      /^\d{8}-\d{6}-[0-9a-f]{4} {2}.* {2}finished +passed \d+\/4 {2}Dify: .*succeeded \d+/,
    );
  });

  it('init writes a starter file that validates, and never overwrites one', async () => {
    const file = join(dir, 'starter.yaml');
    const first = io();
    expect(await main(['node', 'x', 'init', file], first.io)).toBe(ExitCode.Ok);
    writeFileSync(join(dir, '.env'), 'DIFY_API_KEY=app-from-dotenv\n');
    const checked = io();
    expect(await main(['node', 'x', 'validate', '-c', file], checked.io)).toBe(ExitCode.Ok);
    expect(checked.out.join('\n')).toContain('ok: 1 workflows, 2 cases');
    const again = io();
    expect(await main(['node', 'x', 'init', file], again.io)).toBe(ExitCode.BadInput);
    expect(again.err.join('\n')).toContain('never overwrites');
  });
});
