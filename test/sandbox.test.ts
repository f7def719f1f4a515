// The sandbox against the simulator's console: copy, variants synced, conflicts, deletion.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDARD_APPS, startSimulator } from './support/simulator.js';
import { DifyConsoleClient } from '../src/dify/console-client.js';
import { DifyError } from '../src/dify/dify-error.js';
import { DslDocument } from '../src/dify/dsl-document.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { SimDsl } from '../src/simulator/sim-dsl.js';
import { RunStore } from '../src/store/run-store.js';
import { Sandbox, cleanCommandLine } from '../src/run/sandbox.js';

let sim: DifySimulator;
let console_: DifyConsoleClient;
let source: DslDocument;

beforeAll(async () => {
  sim = await startSimulator(STANDARD_APPS);
  console_ = new DifyConsoleClient({ baseUrl: sim.url });
  await console_.login({ email: 'admin@example.com', password: 'console-password-secret' });
  source = DslDocument.parse(await console_.exportDsl('wf'));
});
afterAll(async () => {
  await sim.close();
});

function store(): RunStore {
  const s = RunStore.open(join(mkdtempSync(join(tmpdir(), 'sandbox-')), 'r.db'));
  s.createRun({ id: 'r1', configFile: null, config: {}, toolVersion: 't' });
  return s;
}

const open = (s: RunStore, console: DifyConsoleClient = console_) =>
  Sandbox.open({ console, store: s, runId: 'r1', workflowId: 'w', sourceAppId: 'wf', source });

describe('Sandbox', () => {
  it('imports one named copy, records it, syncs each variant on it, and deletes it', async () => {
    const s = store();
    const sandbox = await open(s);
    expect(sandbox.appId).not.toBe('wf');
    expect(sandbox.name).toMatch(/^.+ \[dify-autoopt [0-9a-f]{6}\]$/);
    expect(s.sandboxes('r1')).toEqual([
      expect.objectContaining({
        workflowId: 'w',
        sourceAppId: 'wf',
        appId: sandbox.appId,
        name: sandbox.name,
        deletedAt: null,
      }),
    ]);
    await sandbox.useVariant('loud', { 'llm_node.system': 'Answer in uppercase.' });
    expect(sim.app(sandbox.appId).dsl.yaml).toContain('Answer in uppercase.');
    await sandbox.useVariant('current', {});
    expect(sim.app(sandbox.appId).dsl.yaml).not.toContain('Answer in uppercase.');
    expect(sim.app('wf').dsl.yaml).not.toContain('Answer in uppercase.');
    await sandbox.delete();
    expect(Object.keys(sim.stats().apps)).not.toContain(sandbox.appId);
    expect(s.sandboxes('r1')[0]?.deletedAt).toEqual(expect.any(Number));
    await sandbox.delete();
    s.close();
  });

  it('reuses the copy a run recorded, and makes a new one when that is gone', async () => {
    const s = store();
    const first = await open(s);
    const again = await open(s);
    expect(again.appId).toBe(first.appId);
    sim.removeApp(first.appId);
    const fresh = await open(s);
    expect(fresh.appId).not.toBe(first.appId);
    expect(s.sandboxes('r1').map((r) => [r.appId, r.deletedAt === null])).toEqual([
      [fresh.appId, true],
    ]);
    await fresh.delete();
    s.close();
  });

  it('says who changed what when the draft moved under it, and when it is gone', async () => {
    const s = store();
    const sandbox = await open(s);
    const app = sim.app(sandbox.appId);
    app.dsl = new SimDsl(app.dsl.yaml.replace('You are a helpful', 'You are an edited'));
    await expect(sandbox.useVariant('loud', {})).rejects.toMatchObject({
      code: 'E_SANDBOX_CONFLICT',
      appId: sandbox.appId,
      message: `syncing variant loud: the draft of sandbox app ${sandbox.appId} (${sandbox.name}) of workflow w was changed by someone else since this run synced it; nothing was overwritten`,
    });
    sim.removeApp(sandbox.appId);
    await expect(sandbox.useVariant('loud', {})).rejects.toMatchObject({
      code: 'E_SANDBOX_GONE',
      message: `syncing variant loud: sandbox app ${sandbox.appId} (${sandbox.name}) of workflow w was deleted during the run`,
    });
    await sandbox.delete();
    s.close();
  });

  it("passes on the console's other failures, and a patch the app cannot take", async () => {
    const s = store();
    const sandbox = await open(s);
    await expect(
      sandbox.useVariant('bad', { 'llm_node.user': 'no reference' }),
    ).rejects.toMatchObject({
      code: 'E_PROMPT_REFERENCES',
    });
    const broken = new DifyConsoleClient({
      baseUrl: sim.url,
      fetch: (input, init) =>
        input.endsWith('/workflows/draft') && init.method === 'POST'
          ? Promise.reject(
              new DifyError('E_DIFY_SERVER', 'boom', {
                context: { endpoint: 'POST /x' },
                status: 500,
                retryable: true,
              }),
            )
          : globalThis.fetch(input, init),
    });
    await broken.login({ email: 'admin@example.com', password: 'console-password-secret' });
    const viaBroken = await open(s, broken);
    await expect(viaBroken.useVariant('v', {})).rejects.toMatchObject({
      code: 'E_SANDBOX_SYNC',
      message: expect.stringContaining('syncing variant v on sandbox app') as string,
    });
    await sandbox.delete();
    s.close();
  });

  it('refuses a copy Dify did not import', async () => {
    const s = store();
    const refusing = {
      getDraft: () => Promise.reject(new Error('unused')),
      importDsl: () =>
        Promise.resolve({
          id: 'i',
          status: 'failed',
          appId: undefined,
          currentDslVersion: undefined,
          importedDslVersion: undefined,
          error: 'bad DSL',
        }),
    } as unknown as DifyConsoleClient;
    await expect(open(s, refusing)).rejects.toMatchObject({
      code: 'E_SANDBOX_IMPORT',
      message: 'Dify did not import a copy of app wf (workflow w): failed, bad DSL',
    });
    expect(s.sandboxes('r1')).toEqual([]);
    s.close();
  });

  it('names the command that deletes what a run left', () => {
    expect(cleanCommandLine('r9', 'suite.yaml')).toBe('dify-autoopt runs clean r9 -c suite.yaml');
  });
});
