// Secrets: after a full run with faults (including a 401 and a failing judge), no API key,
// password or token appears in the store, the logs, any report or any error message.
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/cli-context.js';
import { main } from '../../src/cli/main.js';
import type { DifySimulator } from '../../src/simulator/simulator-server.js';
import { RunStore } from '../../src/store/run-store.js';
import { recordScenario } from '../support/chaos-ledger.js';
import { FakeOpenAi } from '../support/fake-openai.js';
import { startSimulator } from '../support/simulator.js';

const SECRETS = {
  DIFY_KEY: 'app-secret-scan-key-0f9e8d7c',
  JUDGE_KEY: 'sk-judge-secret-token-1a2b3c',
  CONSOLE_PASSWORD: 'hunter2-console-password-77',
};
let sim: DifySimulator;
let judge: FakeOpenAi;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chaos-secrets-'));
  judge = await FakeOpenAi.start();
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: SECRETS.DIFY_KEY,
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 3, failure_rate: 0.05 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
  await judge.close();
});

/** Every file under a folder, as text. */
function files(folder: string): [string, string][] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory()
      ? files(path)
      : [[path, readFileSync(path).toString('latin1')] as [string, string]];
  });
}

describe('secrets', () => {
  it('never reach the store, the logs, the reports or the error messages', async () => {
    for (const [name, value] of Object.entries(SECRETS)) process.env[name] = value;
    const file = join(dir, 'secrets.yaml');
    writeFileSync(
      file,
      [
        `dify: {base_url: ${sim.url}, email: admin@example.com, password: "\${CONSOLE_PASSWORD}"}`,
        `store: {path: ${join(dir, 'store', 'runs.db')}}`,
        `judge: {base_url: ${judge.baseUrl}, model: judge-1, api_key: "\${JUDGE_KEY}", backoff: 0.01, max_attempts: 2}`,
        'workflows:',
        '  - id: wf',
        '    api_key: ${DIFY_KEY}',
        '    mode: workflow',
        '    inputs: {query: "secret scan {ID}"}',
        '    repeat: 60',
        '    assert:',
        '      - {type: llm_judge, value: \'Mentions "scan"\'}',
        'execution: {concurrency: 6, retry: {max_attempts: 3, backoff: 0.01}}',
        `output: {formats: [json, jsonl, csv, xlsx, html, junit], dir: ${join(dir, 'reports')}}`,
        '',
      ].join('\n'),
    );
    sim.faults.add({ kind: 'http_5xx', count: 5 });
    sim.faults.add({ kind: 'drop_stream', afterEvents: 2, count: 3 });
    judge.script.push(
      { kind: 'http', status: 401 },
      { kind: 'http', status: 500 },
      { kind: 'http', status: 500 },
    );
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    // Some cases fail their assertions: exit 1, and no secret in what says so.
    expect(await main(['node', 'x', 'run', '-c', file, '--no-progress'], io), err.join('\n')).toBe(
      ExitCode.Failed,
    );
    // Then a 401 from Dify mid-run: the run stops with an error message that names no key.
    sim.faults.add({
      kind: 'http_error',
      status: 401,
      code: 'unauthorized',
      message: 'Access token is invalid',
    });
    expect(
      await main(
        [
          'node',
          'x',
          'run',
          '-c',
          file,
          '--no-progress',
          '-o',
          join(dir, 'reports', 'stopped.html'),
        ],
        io,
      ),
    ).toBe(ExitCode.Failed);
    // And a configuration error that quotes the neighbourhood of a secret.
    writeFileSync(
      join(dir, 'bad.yaml'),
      `dify: {base_url: ${sim.url}}\nworkflows:\n  - id: wf\n    api_key: \${DIFY_KEY}\n    retries: 3\n`,
    );
    expect(await main(['node', 'x', 'run', '-c', join(dir, 'bad.yaml')], io)).toBe(
      ExitCode.BadInput,
    );
    await main(['node', 'x', 'runs', 'list', '--store', join(dir, 'store', 'runs.db')], io);
    const store = RunStore.open(join(dir, 'store', 'runs.db'));
    const [latest] = store.listRuns();
    await main(
      ['node', 'x', 'runs', 'show', latest?.id ?? '', '--store', join(dir, 'store', 'runs.db')],
      io,
    );
    const judgeFailures = [...store.results(store.listRuns()[1]?.id ?? '')].filter((r) =>
      JSON.stringify(r.grades).includes('E_JUDGE_FAILED'),
    );
    store.close();
    for (const [name] of Object.entries(SECRETS)) Reflect.deleteProperty(process.env, name);

    const haystacks: [string, string][] = [
      ...files(join(dir, 'store')),
      ...files(join(dir, 'reports')),
      ['stdout', out.join('\n')],
      ['stderr', err.join('\n')],
    ];
    expect(haystacks.length).toBeGreaterThan(9);
    // The scan finds what it looks for: the secrets are really used by the run.
    expect(judge.requests.some((r) => r.authorization === `Bearer ${SECRETS.JUDGE_KEY}`)).toBe(
      true,
    );
    expect(err.join('\n')).toContain('Access token is invalid');
    expect(judgeFailures.length).toBeGreaterThan(0);
    for (const [where, text] of haystacks) {
      for (const [name, secret] of Object.entries(SECRETS)) {
        expect(text.includes(secret), `${name} found in ${where}`).toBe(false);
      }
    }
    recordScenario('secrets-scan', {
      filesAndStreamsScanned: haystacks.length,
      secrets: Object.keys(SECRETS).length,
      found: 0,
    });
  }, 60_000);
});
