// The console's runs against the simulator: draft runs of a workflow and a chatflow, debug
// messages of chat and completion apps with a model config, stops, a new app from a DSL, delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DifyConsoleClient } from '../src/dify/console-client.js';
import { DslDocument } from '../src/dify/dsl-document.js';
import { patchPrompts } from '../src/dify/prompt-slots.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { STANDARD_APPS, startSimulator } from './support/simulator.js';

const credentials = { email: 'admin@example.com', password: 'console-password-secret' };

describe('console runs', () => {
  let sim: DifySimulator;
  let console_: DifyConsoleClient;
  beforeAll(async () => {
    sim = await startSimulator(STANDARD_APPS);
    console_ = new DifyConsoleClient({ baseUrl: sim.url });
    await console_.login(credentials);
  });
  afterAll(async () => {
    await sim.close();
  });

  /** A copy of `appId` as a new app, its user prompt patched; returns the copy's id. */
  async function copyOf(appId: string, patch: Record<string, string>): Promise<string> {
    const dsl = DslDocument.parse(await console_.exportDsl(appId));
    patchPrompts(dsl, patch);
    dsl.setName(`${dsl.name} [dify-autoopt test]`);
    const created = await console_.importDsl({ yaml: dsl.toString() });
    expect(created.status).toBe('completed');
    expect(created.appId).not.toBe(appId);
    return created.appId ?? '';
  }

  it("runs a workflow's draft, streamed, with its node traces; the user's app is untouched", async () => {
    const before = await console_.exportDsl('wf');
    const copy = await copyOf('wf', { 'llm_node.system': 'Answer in uppercase.' });
    const events: string[] = [];
    const run = await console_.runDraft(copy, 'workflow', {
      inputs: { query: 'quiet words' },
      onEvent: (event) => events.push(String(event.event)),
    });
    expect(run).toMatchObject({ status: 'succeeded', outputs: { answer: 'QUIET WORDS' } });
    expect(run.nodes.map((n) => n.nodeId)).toContain('llm_node');
    expect(events).toEqual(
      expect.arrayContaining(['workflow_started', 'node_finished', 'workflow_finished']),
    );
    expect(await console_.exportDsl('wf')).toBe(before);
  });

  it("runs a chatflow's draft with a query", async () => {
    const run = await console_.runDraft('chatflow', 'advanced-chat', {
      inputs: {},
      query: 'Tell me about tea',
    });
    expect(run.status).toBe('succeeded');
    expect(run.answer).toContain('tea');
  });

  it('refuses a draft run on the wrong route, as Dify does', async () => {
    await expect(console_.runDraft('chatflow', 'workflow', { inputs: {} })).rejects.toMatchObject({
      code: 'E_DIFY_WRONG_APP_MODE',
      status: 400,
    });
  });

  it("answers a chat app's debug message with the model config given, saving nothing", async () => {
    const dsl = DslDocument.parse(await console_.exportDsl('chat'));
    const modelConfig = { ...dsl.modelConfig, pre_prompt: 'Answer in uppercase. {{topic}}' };
    const run = await console_.runDebug('chat', 'chat', {
      inputs: { topic: 'tea' },
      query: 'hello there',
      modelConfig,
    });
    expect(run.status).toBe('succeeded');
    expect(run.answer).toBe(run.answer?.toUpperCase());
    const plain = await console_.runDebug('chat', 'chat', {
      inputs: { topic: 'tea' },
      query: 'hello there',
      modelConfig: dsl.modelConfig ?? {},
    });
    expect(plain.answer).not.toBe(plain.answer?.toUpperCase());
    expect(DslDocument.parse(await console_.exportDsl('chat')).prePrompt).toBe(dsl.prePrompt);
  });

  it("answers a completion app's debug message", async () => {
    const dsl = DslDocument.parse(await console_.exportDsl('completion'));
    const run = await console_.runDebug('completion', 'completion', {
      inputs: { topic: 'tea' },
      modelConfig: { ...dsl.modelConfig, pre_prompt: 'Write in French about {{topic}}' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.answer).toContain('Bonjour');
  });

  it('stops a draft run on abort: the stop call reaches Dify and the run ends stopped', async () => {
    const copy = await copyOf('wf', {});
    sim.app(copy).behaviour = {
      ...sim.app(copy).behaviour,
      latency_ms: { minMs: 5000, maxMs: 5000 },
    };
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => {
      void console_
        .runDraft(
          copy,
          'workflow',
          {
            inputs: { query: 'slow' },
            onEvent: (event) => {
              if (event.event === 'workflow_started') resolve();
            },
          },
          { signal: controller.signal },
        )
        .catch(() => undefined);
    });
    await started;
    controller.abort(new Error('cancelled by the test'));
    await expect.poll(() => sim.stats().stops.filter((s) => s.appId === copy).length).toBe(1);
    await expect
      .poll(() => [...sim.app(copy).runs.values()].map((r) => r.status))
      .toEqual(['stopped']);
  });

  it("ends a draft run whose stream carries an error event as failed, with Dify's message", async () => {
    sim.faults.add({ kind: 'error_event', message: 'model provider down', app: 'wf' });
    const run = await console_.runDraft('wf', 'workflow', { inputs: { query: 'x' } });
    expect(run).toMatchObject({ status: 'failed', error: 'model provider down' });
  });

  it('deletes a copy; a run on it is then a 404', async () => {
    const copy = await copyOf('wf', {});
    await console_.deleteApp(copy);
    await expect(
      console_.runDraft(copy, 'workflow', { inputs: { query: 'x' } }),
    ).rejects.toMatchObject({
      code: 'E_DIFY_NOT_FOUND',
      status: 404,
    });
    await expect(console_.deleteApp(copy)).rejects.toMatchObject({ status: 404 });
  });

  it('renews an expired session once, for a draft run too', async () => {
    sim.expireSessions();
    const run = await console_.runDraft('wf', 'workflow', { inputs: { query: 'again' } });
    expect(run.status).toBe('succeeded');
  });
});
