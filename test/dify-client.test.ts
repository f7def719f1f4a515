// The client against the simulator over real HTTP on 127.0.0.1, port 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DifyClient } from '../src/dify/dify-client.js';
import { DifyError } from '../src/dify/dify-error.js';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { STANDARD_APPS, startSimulator } from './support/simulator.js';

let sim: DifySimulator;
beforeAll(async () => {
  sim = await startSimulator(STANDARD_APPS);
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.faults.clear();
  sim.app('wf').behaviour = {
    ...sim.app('wf').behaviour,
    failure_rate: 0,
    concurrency_cap: undefined,
    latency_ms: { minMs: 20, maxMs: 20 },
  };
});

function client(apiKey = 'app-wf-secret-key', app = 'wf'): DifyClient {
  return new DifyClient({
    apiBase: sim.apiBase,
    apiKey,
    app,
    recovery: { attempts: 20, delayMs: 20 },
  });
}

async function failure(promise: Promise<unknown>): Promise<DifyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DifyError) return error;
    throw error;
  }
  throw new Error('expected a DifyError');
}

describe('DifyClient against the simulator', () => {
  it('reads the app info and its input form', async () => {
    const c = client();
    await expect(c.info()).resolves.toMatchObject({ name: 'llm-simple', mode: 'workflow' });
    const parameters = await c.parameters();
    expect(parameters.inputs).toEqual([
      {
        type: 'text-input',
        variable: 'query',
        label: 'query',
        required: true,
        default: '',
        maxLength: undefined,
        options: undefined,
      },
    ]);
    expect(parameters.raw.system_parameters).toMatchObject({ file_size_limit: 15 });
  });

  it('streams a workflow run and assembles outputs, tokens and node traces', async () => {
    const events: string[] = [];
    const result = await client().runWorkflow({
      inputs: { query: 'Say hello to everyone' },
      user: 'dify-autoopt-run-1',
      onEvent: (event) => events.push(String(event.event)),
    });
    expect(result).toMatchObject({
      status: 'succeeded',
      outputs: { answer: 'Say hello to everyone' },
      recovered: false,
      malformedFrames: 0,
    });
    expect(result.totalTokens).toBeGreaterThan(0);
    expect(result.totalPrice).toBeGreaterThan(0);
    expect(result.nodes.map((n) => n.nodeType)).toEqual(['start', 'llm', 'end']);
    expect(events[0]).toBe('workflow_started');
    expect(events.at(-1)).toBe('workflow_finished');
    expect(events).toContain('text_chunk');
  });

  it('runs blocking, and reads the run back from its detail with its inputs', async () => {
    const c = client();
    const result = await c.runWorkflow({
      inputs: { query: 'blocking please' },
      user: 'u-1',
      responseMode: 'blocking',
    });
    expect(result).toMatchObject({ status: 'succeeded', outputs: { answer: 'blocking please' } });
    const detail = await c.getWorkflowRun(result.workflowRunId ?? '');
    expect(detail).toMatchObject({
      status: 'succeeded',
      inputs: { query: 'blocking please' },
      outputs: { answer: 'blocking please' },
    });
  });

  it('reports a run Dify answers 200 with status failed as a failed result, not an error', async () => {
    sim.app('wf').behaviour = { ...sim.app('wf').behaviour, failure_rate: 1 };
    for (const responseMode of ['streaming', 'blocking'] as const) {
      const result = await client().runWorkflow({
        inputs: { query: 'x' },
        user: 'u',
        responseMode,
      });
      expect(result).toMatchObject({ status: 'failed', outputs: {} });
      expect(result.error).toContain('simulated');
    }
  });

  it('sends chat and completion messages, blocking and streaming', async () => {
    const chat = client('app-chat-secret', 'chat');
    for (const responseMode of ['streaming', 'blocking'] as const) {
      const result = await chat.sendChatMessage({
        query: 'hello',
        inputs: { topic: 'tea' },
        user: 'u',
        responseMode,
      });
      expect(result).toMatchObject({
        mode: 'chat',
        status: 'succeeded',
        answer: 'Certainly, with pleasure: hello',
      });
      expect(result.conversationId).toEqual(expect.any(String));
      expect(result.totalTokens).toBeGreaterThan(0);
    }
    const chatflow = client('app-chatflow-secret', 'chatflow');
    const flow = await chatflow.sendChatMessage({ query: 'what is new', user: 'u' });
    expect(flow.status).toBe('succeeded');
    expect(flow.workflowRunId).toEqual(expect.any(String));
    expect(flow.answer).toContain('what is new');
    const completion = client('app-completion-secret', 'completion');
    const written = await completion.sendCompletionMessage({
      inputs: { topic: 'rain' },
      user: 'u',
      responseMode: 'blocking',
    });
    expect(written.answer).toBe('WRITE IN UPPERCASE ABOUT RAIN');
  });

  it('runs a conversation on: the conversation id is kept', async () => {
    const chat = client('app-chat-secret', 'chat');
    const first = await chat.sendChatMessage({ query: 'one', user: 'u' });
    const second = await chat.sendChatMessage({
      query: 'two',
      user: 'u',
      conversationId: first.conversationId ?? '',
    });
    expect(second.conversationId).toBe(first.conversationId);
  });

  it('pages through the logs of a user', async () => {
    const c = client();
    for (const q of ['a', 'b', 'c'])
      await c.runWorkflow({ inputs: { query: q }, user: 'logs-user', responseMode: 'blocking' });
    const page = await c.getWorkflowLogs({
      sessionId: 'logs-user',
      limit: 2,
      page: 1,
      status: 'succeeded',
    });
    expect(page).toMatchObject({ page: 1, limit: 2, total: 3, hasMore: true });
    expect(page.data).toHaveLength(2);
  });

  it('uploads a file and refuses one that is too large', async () => {
    const c = client();
    const uploaded = await c.uploadFile(
      { data: new TextEncoder().encode('hello'), filename: 'notes.txt', mimeType: 'text/plain' },
      'u',
    );
    expect(uploaded).toMatchObject({
      name: 'notes.txt',
      size: 5,
      extension: 'txt',
      mimeType: 'text/plain',
    });
    expect(uploaded.id).toMatch(/^[0-9a-f-]{36}$/);
    const big = await failure(
      c.uploadFile({ data: new Uint8Array(16 * 1024 * 1024), filename: 'big.bin' }, 'u'),
    );
    expect(big).toMatchObject({
      code: 'E_DIFY_FILE_REJECTED',
      status: 413,
      difyCode: 'file_too_large',
      retryable: false,
    });
  });

  describe('errors', () => {
    it('401 for a bad key: fatal, and the key appears nowhere', async () => {
      const error = await failure(client('app-wrong-secret-value').info());
      expect(error).toMatchObject({
        code: 'E_DIFY_UNAUTHORIZED',
        status: 401,
        fatal: true,
        retryable: false,
      });
      expect([error.message, error.stack ?? '', JSON.stringify(error)].join('\n')).not.toContain(
        'app-wrong-secret-value',
      );
    });

    it('400 invalid_param for a missing required input, a too long one, and no user', async () => {
      const missing = await failure(client().runWorkflow({ inputs: {}, user: 'u' }));
      expect(missing).toMatchObject({ code: 'E_DIFY_INVALID_PARAM', retryable: false, app: 'wf' });
      expect(missing.message).toContain('query is required in input form');
      const long = await failure(
        client('app-completion-secret').sendCompletionMessage({
          inputs: { topic: 'x'.repeat(30) },
          user: 'u',
        }),
      );
      expect(long.message).toContain('must be less than 20 characters');
      const noUser = await failure(client().runWorkflow({ inputs: { query: 'x' }, user: '' }));
      expect(noUser.message).toContain('Arg user must be provided.');
    });

    it('400 for the wrong route for the app mode', async () => {
      expect(await failure(client().sendChatMessage({ query: 'hi', user: 'u' }))).toMatchObject({
        code: 'E_DIFY_WRONG_APP_MODE',
        difyCode: 'not_chat_app',
      });
      expect(
        await failure(client('app-chat-secret').runWorkflow({ inputs: {}, user: 'u' })),
      ).toMatchObject({ difyCode: 'not_workflow_app' });
    });

    it('404 for an unknown run', async () => {
      expect(await failure(client().getWorkflowRun('no-such-run'))).toMatchObject({
        code: 'E_DIFY_NOT_FOUND',
        status: 404,
      });
    });

    it('429 too_many_requests with the cap when the app is full', async () => {
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        concurrency_cap: 1,
        latency_ms: { minMs: 200, maxMs: 200 },
      };
      const c = client();
      const first = c.runWorkflow({ inputs: { query: 'slow' }, user: 'u' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const error = await failure(c.runWorkflow({ inputs: { query: 'second' }, user: 'u' }));
      expect(error).toMatchObject({
        code: 'E_DIFY_TOO_MANY_REQUESTS',
        status: 429,
        rateLimited: true,
        retryable: true,
        concurrencyLimit: 1,
      });
      await expect(first).resolves.toMatchObject({ status: 'succeeded' });
    });

    it('a 5xx burst and a 429 storm, then normal service', async () => {
      sim.faults.add({ kind: 'http_5xx', count: 2, status: 502 });
      const c = client();
      expect(await failure(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' }))).toMatchObject({
        code: 'E_DIFY_SERVER',
        status: 502,
        retryable: true,
      });
      expect(await failure(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' }))).toMatchObject({
        status: 502,
      });
      sim.faults.add({ kind: 'storm_429', count: 3 });
      for (let i = 0; i < 3; i += 1) {
        expect(await failure(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' }))).toMatchObject({
          code: 'E_DIFY_TOO_MANY_REQUESTS',
        });
      }
      await expect(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' })).resolves.toMatchObject({
        status: 'succeeded',
      });
    });

    it('scripted errors mid-run: a spent quota and a revoked key stop the run, a daily cap too', async () => {
      const c = client();
      sim.faults.add({
        kind: 'http_error',
        status: 400,
        code: 'provider_quota_exceeded',
        message: 'Your quota has been exhausted.',
      });
      expect(await failure(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' }))).toMatchObject({
        code: 'E_DIFY_QUOTA_EXCEEDED',
        fatal: true,
        retryable: false,
      });
      sim.faults.add({
        kind: 'http_error',
        status: 401,
        code: 'unauthorized',
        message: 'Access token is invalid',
      });
      expect(await failure(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' }))).toMatchObject({
        code: 'E_DIFY_UNAUTHORIZED',
        fatal: true,
      });
      sim.faults.add({
        kind: 'http_error',
        status: 429,
        code: 'rate_limit_error',
        message: 'Reached the limit of 1000 requests/day.',
      });
      expect(await failure(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' }))).toMatchObject({
        code: 'E_DIFY_RATE_LIMITED',
        fatal: true,
        retryable: false,
      });
      await expect(c.runWorkflow({ inputs: { query: 'a' }, user: 'u' })).resolves.toMatchObject({
        status: 'succeeded',
      });
    });

    it('415 for a file type Dify refuses, 400 for an upload without a file', async () => {
      const c = client();
      expect(
        await failure(c.uploadFile({ data: new Uint8Array([1]), filename: 'tool.exe' }, 'u')),
      ).toMatchObject({
        code: 'E_DIFY_FILE_REJECTED',
        status: 415,
        difyCode: 'unsupported_file_type',
      });
      const noFile = await fetch(`${sim.apiBase}/files/upload`, {
        method: 'POST',
        headers: { authorization: 'Bearer app-wf-secret-key' },
        body: 'x',
      });
      expect(await noFile.json()).toMatchObject({ status: 400, code: 'no_file_uploaded' });
    });

    it('E_DIFY_NETWORK when nothing listens', async () => {
      const dead = new DifyClient({ apiBase: 'http://127.0.0.1:9/v1', apiKey: 'app-secret-dead' });
      const error = await failure(dead.info());
      expect(error).toMatchObject({ code: 'E_DIFY_NETWORK', retryable: true });
      expect(error.message).not.toContain('app-secret-dead');
    });
  });

  describe('faults in the stream', () => {
    it('recovers a dropped stream through the run detail', async () => {
      sim.faults.add({ kind: 'drop_stream', afterEvents: 2 });
      const result = await client().runWorkflow({ inputs: { query: 'drop me' }, user: 'u' });
      expect(result).toMatchObject({
        status: 'succeeded',
        recovered: true,
        outputs: { answer: 'drop me' },
      });
    });

    it('skips malformed frames and counts them', async () => {
      sim.faults.add({ kind: 'malformed_frames' });
      const result = await client().runWorkflow({ inputs: { query: 'garbled' }, user: 'u' });
      expect(result.status).toBe('succeeded');
      expect(result.malformedFrames).toBeGreaterThan(0);
      expect(result.outputs).toEqual({ answer: 'garbled' });
    });

    it('waits through slow chunks and a slow first byte', async () => {
      sim.faults.add({ kind: 'slow_chunks', delayMs: 10 });
      sim.faults.add({ kind: 'slow_first_byte', delayMs: 100 });
      await expect(
        client().runWorkflow({ inputs: { query: 'slow' }, user: 'u' }),
      ).resolves.toMatchObject({ status: 'succeeded' });
    });
  });

  describe('abort', () => {
    it('before the request: rejects at once and sends nothing', async () => {
      const before = sim.stats().requests;
      const controller = new AbortController();
      controller.abort(new Error('not now'));
      await expect(
        client().runWorkflow({ inputs: { query: 'x' }, user: 'u' }, { signal: controller.signal }),
      ).rejects.toThrow('not now');
      expect(sim.stats().requests).toBe(before);
    });

    it('while waiting for the headers: rejects with the reason', async () => {
      sim.faults.add({ kind: 'slow_first_byte', delayMs: 2000 });
      const controller = new AbortController();
      const pending = client().runWorkflow(
        { inputs: { query: 'x' }, user: 'u' },
        { signal: controller.signal },
      );
      setTimeout(() => {
        controller.abort(new Error('gave up waiting'));
      }, 50);
      await expect(pending).rejects.toThrow('gave up waiting');
    });

    it('mid-stream: rejects and asks Dify to stop the run, which ends stopped', async () => {
      sim.app('wf').behaviour = {
        ...sim.app('wf').behaviour,
        latency_ms: { minMs: 2000, maxMs: 2000 },
      };
      const controller = new AbortController();
      let taskId: string | undefined;
      let runId: string | undefined;
      const pending = client().runWorkflow(
        {
          inputs: { query: 'long' },
          user: 'stop-user',
          onEvent: (event) => {
            if (event.event === 'workflow_started') {
              taskId = String(event.task_id);
              runId = String(event.workflow_run_id);
              controller.abort(new Error('user cancelled'));
            }
          },
        },
        { signal: controller.signal },
      );
      await expect(pending).rejects.toThrow('user cancelled');
      expect(sim.stats().stops).toContainEqual({ appId: 'wf', taskId, user: 'stop-user' });
      const detail = await client().getWorkflowRun(runId ?? '');
      expect(detail.status).toBe('stopped');
    });
  });
});
