// Nothing left dangling (#17 item 4): a report folder made, a run that could not start ended,
// a resume with another suite refused, a busy port said, runs deleted and pruned.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/cli-context.js';
import { main } from '../src/cli/main.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { RunStore } from '../src/store/run-store.js';
import { startSimulator } from './support/simulator.js';

let sim: DifySimulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dangling-'));
  sim = await startSimulator({
    apps: [
      {
        id: 'wf',
        api_key: 'app-dangling',
        dsl: 'workflow-llm-basic.yml',
        behaviour: { latency_ms: 2 },
      },
    ],
  });
});
afterAll(async () => {
  await sim.close();
});

function config(name: string, queries: string[], baseUrl = sim.url, mode = 'workflow'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `dify: {base_url: ${baseUrl}}\nstore: {path: ${join(dir, 'runs.db')}}\nexecution: {retry: {max_attempts: 1}}\nworkflows:\n  - id: wf\n    api_key: app-dangling\n    mode: ${mode}\n    inputs: {query: ${JSON.stringify(queries)}}\n`,
  );
  return file;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'x', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function latestRun(): { id: string; status: string; statusReason: string | null } {
  const store = RunStore.open(join(dir, 'runs.db'));
  try {
    const [run] = store.listRuns(1);
    return run!;
  } finally {
    store.close();
  }
}

describe('nothing left dangling', () => {
  it('makes the folder of a streamed JSONL report', async () => {
    const out = join(dir, 'not', 'yet', 'results.jsonl');
    const r = await cli([
      'run',
      '-c',
      config('a.yaml', ['one', 'two']),
      '--no-progress',
      '-o',
      out,
    ]);
    expect(r.code, r.err).toBe(ExitCode.Ok);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(latestRun().status).toBe('finished');
  });

  it('ends a run that cannot reach Dify on its first call, with the reason', async () => {
    const r = await cli([
      'run',
      '-c',
      config('b.yaml', ['one'], 'http://127.0.0.1:9', 'auto'),
      '--no-progress',
    ]);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.err).toContain('cannot reach Dify');
    const run = latestRun();
    expect(run.status).toBe('stopped');
    expect(run.statusReason).toContain('ECONNREFUSED');
  });

  it('refuses to resume a run with another configuration, unless --force', async () => {
    await cli(['run', '-c', config('c.yaml', ['one', 'two']), '--no-progress']);
    const { id } = latestRun();
    const other = config('d.yaml', ['three', 'four', 'five']);
    const refused = await cli(['run', '-c', other, '--resume', id, '--no-progress']);
    expect(refused.code).toBe(ExitCode.BadInput);
    expect(refused.err).toContain(
      `error E_RESUME_MISMATCH: run ${id} was not made from this configuration`,
    );
    expect(refused.err).toContain('3 of its 3 cases are not in the run');
    const store = RunStore.open(join(dir, 'runs.db'));
    expect(store.caseCount(id)).toBe(2);
    store.close();
    const forced = await cli(['run', '-c', other, '--resume', id, '--force', '--no-progress']);
    expect(forced.code, forced.err).toBe(ExitCode.Ok);
    const same = await cli([
      'run',
      '-c',
      config('c.yaml', ['one', 'two']),
      '--resume',
      id,
      '--no-progress',
    ]);
    expect(same.code, same.err).toBe(ExitCode.Ok);
  });

  it('says a busy port is busy', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    const apps = join(dir, 'apps.yaml');
    writeFileSync(
      apps,
      'apps:\n  - {id: a, api_key: app-a, dsl_yaml: "app: {name: a, mode: chat}\\nkind: app\\nversion: 0.3.1\\nmodel_config: {pre_prompt: hi}\\n"}\n',
    );
    const r = await cli(['simulate', '--apps', apps, '-p', String(port)]);
    busy.close();
    expect(r.code).toBe(ExitCode.BadInput);
    expect(r.err).toBe(
      `error E_PORT_IN_USE: port ${String(port)} on 127.0.0.1 is in use: choose another with -p (0: any free port)`,
    );
  });

  it('deletes runs and prunes all but the newest', async () => {
    const store = join(dir, 'runs.db');
    const before = RunStore.open(store);
    const ids = before.listRuns(100).map((r) => r.id);
    before.close();
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const missing = await cli(['runs', 'delete', 'no-such-run', '--store', store]);
    expect(missing.code).toBe(ExitCode.BadInput);
    expect(missing.out).toBe('no run no-such-run in the run store');
    const one = await cli(['runs', 'delete', ids[0]!, '--store', store]);
    expect(one.out).toBe(`deleted run ${ids[0]!}`);
    const pruned = await cli(['runs', 'prune', '--keep', '1', '--store', store]);
    expect(pruned.code).toBe(ExitCode.Ok);
    expect(pruned.out.split('\n')).toHaveLength(ids.length - 2);
    const after = RunStore.open(store);
    expect(after.listRuns(100).map((r) => r.id)).toEqual([ids[1]]);
    expect(after.caseCount(ids[2]!)).toBe(0);
    after.close();
    expect(existsSync(store)).toBe(true);
  });
});
