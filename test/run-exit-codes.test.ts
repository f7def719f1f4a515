// `run` exits as a test tool does (README, `run --help`): 0 all passed, 1 some failed or errored,
// 2 bad input, 3 nothing ran, 130 interrupted; and says why on screen.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exit-codes-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-exit-key',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 2 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

async function run(
  body: string,
  args: string[] = [],
  baseUrl = sim.url,
): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `c${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(
    file,
    `dify: {base_url: ${baseUrl}}\nstore: {path: ${join(dir, 'runs.db')}}\nexecution: {retry: {max_attempts: 2, backoff: 0.01}}\nworkflows:\n  - id: wf\n    api_key: app-exit-key\n    mode: workflow\n    inputs: {query: [one, two, three]}\n${body}`,
  );
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'x', 'run', '-c', file, '--no-progress', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('run: exit codes and failures on screen', () => {
  it('0 when every case passed', async () => {
    const r = await run('    assert: [{type: javascript, value: "output.length > 0"}]\n');
    expect(r.code, r.err).toBe(ExitCode.Ok);
    expect(r.out).not.toContain('failures:');
  });

  it('1 when a case fails its assertions, with the cause and the first cases on screen', async () => {
    const r = await run('    assert: [{type: contains, name: says one, value: "one"}]\n');
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.err).toContain(
      '2 of 3 cases did not pass (exit 1; --fail-under sets a pass rate to accept)',
    );
    expect(r.out).toContain('failures: 2\n  2 × assertion says one failed\n      wf:');
    expect(r.out).toMatch(/all of them: dify-autoopt runs show \S+ --store /);
  });

  it('1 when every call is refused, saying so', async () => {
    const r = await run('', [], 'http://127.0.0.1:9');
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.out).toContain('3 × failed: E_DIFY_NETWORK');
    expect(r.out).toContain('cannot reach Dify: connect ECONNREFUSED 127.0.0.1:9');
  });

  it('3 when nothing ran: a filter that matches no case', async () => {
    const r = await run('', ['--filter', 'no-such-case']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('nothing ran: the configuration (or --filter) gives no case');
  });

  it('--fail-under sets the pass rate to accept instead', async () => {
    const body = '    assert: [{type: contains, value: "one"}]\n';
    expect((await run(body, ['--fail-under', '0.3'])).code).toBe(ExitCode.Ok);
    const under = await run(body, ['--fail-under', '0.5']);
    expect(under.code).toBe(ExitCode.Failed);
    expect(under.err).toContain('pass rate 33.3% is under --fail-under 50.0%');
  });

  it('documents the codes in run --help', async () => {
    const out: string[] = [];
    await main(['node', 'x', 'run', '--help'], { out: (l) => out.push(l), err: () => undefined });
    const help = out.join('\n');
    for (const line of [
      'Exit codes:',
      '  0    every case passed',
      '  1    some case failed',
      '  3    nothing ran',
      '  130  interrupted',
    ])
      expect(help).toContain(line);
  });
});
