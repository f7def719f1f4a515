// The client reading every payload of the fixtures exactly as Dify sent it, through an injected fetch.
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/support/fixtures.js';
import { DifyClient } from './dify-client.js';
import { DifyError } from './dify-error.js';

interface Call {
  readonly url: string;
  readonly init: RequestInit;
}

function serving(file: string, status = 200, headers: Record<string, string> = {}) {
  const calls: Call[] = [];
  const type = file.endsWith('.sse') ? 'text/event-stream' : 'application/json';
  const client = new DifyClient({
    apiBase: 'http://dify.test/v1/',
    apiKey: 'app-fixture-secret',
    app: 'fixture-app',
    fetch: (url, init) => {
      calls.push({ url, init });
      return Promise.resolve(
        new Response(fixture(`responses/${file}`), {
          status,
          headers: { 'content-type': type, ...headers },
        }),
      );
    },
  });
  return { client, calls };
}

describe('DifyClient on the fixtures', () => {
  it('sends the key, a user agent and JSON to the right URL', async () => {
    const { client, calls } = serving('workflow-run-blocking-succeeded.json');
    await client.runWorkflow({ inputs: { query: 'q' }, user: 'u1', responseMode: 'blocking' });
    const [call] = calls;
    expect(call?.url).toBe('http://dify.test/v1/workflows/run');
    expect(call?.init.method).toBe('POST');
    expect(call?.init.headers).toMatchObject({
      authorization: 'Bearer app-fixture-secret',
      'user-agent': 'dify-autoopt',
      'content-type': 'application/json',
    });
    expect(JSON.parse(call?.init.body as string)).toEqual({
      inputs: { query: 'q' },
      response_mode: 'blocking',
      user: 'u1',
    });
  });

  it('reads info.json and info.workflow.json', async () => {
    await expect(serving('info.json').client.info()).resolves.toEqual({
      name: 'My Chat App',
      description: 'A helpful customer service chatbot.',
      tags: ['customer-service', 'chatbot'],
      mode: 'chat',
      authorName: 'Dify Team',
    });
    await expect(serving('info.workflow.json').client.info()).resolves.toMatchObject({
      mode: 'workflow',
    });
  });

  it('reads parameters.json and parameters.workflow.json', async () => {
    const chat = await serving('parameters.json').client.parameters();
    expect(chat.inputs).toEqual([
      {
        type: 'text-input',
        variable: 'city',
        label: 'City',
        required: true,
        default: '',
        maxLength: undefined,
        options: undefined,
      },
    ]);
    expect(chat.raw.opening_statement).toBe('Hello! How can I help you today?');
    const workflow = await serving('parameters.workflow.json').client.parameters();
    expect(workflow.inputs).toEqual([
      {
        type: 'paragraph',
        variable: 'query',
        label: 'Query',
        required: true,
        default: '',
        maxLength: undefined,
        options: undefined,
      },
    ]);
  });

  it.each([
    ['workflow-run-streaming.sse', 'succeeded'],
    ['workflow-run-streaming.template.sse', 'succeeded'],
    ['workflow-run-streaming.docs.sse', 'succeeded'],
    ['workflow-run-streaming-failed.sse', 'failed'],
  ])('streams %s to a %s result', async (file, status) => {
    const result = await serving(file).client.runWorkflow({ inputs: {}, user: 'u' });
    expect(result.status).toBe(status);
    expect(result.recovered).toBe(false);
  });

  it.each([
    ['workflow-run-blocking-succeeded.json', 'succeeded'],
    ['workflow-run-blocking-succeeded.template.json', 'succeeded'],
    ['workflow-run-blocking-failed.json', 'failed'],
    ['workflow-run-blocking-paused.json', 'paused'],
  ])('reads the blocking %s as a %s result', async (file, status) => {
    const result = await serving(file).client.runWorkflow({
      inputs: {},
      user: 'u',
      responseMode: 'blocking',
    });
    expect(result.status).toBe(status);
  });

  it('streams the chatflow fixtures and reads the blocking chat message', async () => {
    for (const [file, status] of [
      ['chat-messages-streaming-chatflow.sse', 'succeeded'],
      ['chat-messages-streaming-chatflow.template.sse', 'succeeded'],
      ['chat-messages-streaming-chatflow-failed.sse', 'failed'],
    ] as const) {
      expect(
        (await serving(file).client.sendChatMessage({ query: 'q', user: 'u' })).status,
        file,
      ).toBe(status);
    }
    const blocking = await serving('chat-messages-blocking.json').client.sendChatMessage({
      query: 'q',
      user: 'u',
      responseMode: 'blocking',
    });
    expect(blocking).toMatchObject({
      answer: 'iPhone 13 Pro Max specs are listed here:...',
      totalTokens: 1161,
    });
  });

  it('reads the run detail, its inputs sent as a JSON string', async () => {
    for (const file of ['workflow-run-detail.json', 'workflow-run-detail.template.json']) {
      const detail = await serving(file).client.getWorkflowRun('fb47b2e6');
      expect(detail.status).toBe('succeeded');
      expect(detail.inputs).toEqual(expect.objectContaining({}));
      expect(Object.keys(detail.inputs).length).toBeGreaterThan(0);
    }
  });

  it('reads the logs, a stop answer and an upload answer', async () => {
    const logs = await serving('workflow-logs.json').client.getWorkflowLogs({
      page: 1,
      limit: 1,
      status: 'succeeded',
      sessionId: 'abc-123',
    });
    expect(logs).toMatchObject({ page: 1, limit: 1, total: 7, hasMore: true });
    expect(logs.data).toHaveLength(1);
    const { client, calls } = serving('workflow-stop.json');
    await expect(client.stop('workflow', 'task-1', 'u')).resolves.toBeUndefined();
    expect(calls[0]?.url).toBe('http://dify.test/v1/workflows/tasks/task-1/stop');
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ user: 'u' });
    const upload = await serving('files-upload.json').client.uploadFile(
      { data: new Uint8Array([1]), filename: 'product-photo.png' },
      'u',
    );
    expect(upload).toEqual({
      id: 'a1b2c3d4-5678-90ab-cdef-1234567890ab',
      name: 'product-photo.png',
      size: 204800,
      extension: 'png',
      mimeType: 'image/png',
      createdAt: 1705407629,
    });
  });

  it('maps the error fixtures to typed errors that name the app and hold no secret', async () => {
    for (const [file, status, code] of [
      ['error-400-invalid-param.json', 400, 'E_DIFY_INVALID_PARAM'],
      ['error-401-unauthorized.json', 401, 'E_DIFY_UNAUTHORIZED'],
      ['error-429-rate-limit-error.json', 429, 'E_DIFY_RATE_LIMITED'],
      ['error-429-too-many-requests.json', 429, 'E_DIFY_TOO_MANY_REQUESTS'],
    ] as const) {
      const error = await serving(file, status, { 'retry-after': '2' })
        .client.runWorkflow({ inputs: {}, user: 'u' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DifyError);
      expect(error).toMatchObject({ code, status, app: 'fixture-app', retryAfterMs: 2000 });
      expect(String(error)).not.toContain('app-fixture-secret');
    }
  });

  it('refuses an answer that is not JSON, and a stop that did not succeed', async () => {
    const garbage = new DifyClient({
      apiBase: 'http://dify.test/v1',
      apiKey: 'k',
      fetch: () => Promise.resolve(new Response('<html>oops</html>')),
    });
    await expect(garbage.info()).rejects.toMatchObject({ code: 'E_DIFY_BAD_RESPONSE' });
    const refused = new DifyClient({
      apiBase: 'http://dify.test/v1',
      apiKey: 'k',
      fetch: () => Promise.resolve(new Response('{"result":"failed"}')),
    });
    await expect(refused.stop('chat', 't', 'u')).rejects.toMatchObject({
      code: 'E_DIFY_BAD_RESPONSE',
    });
    const noData = new DifyClient({
      apiBase: 'http://dify.test/v1',
      apiKey: 'k',
      fetch: () => Promise.resolve(new Response('{"task_id":"t"}')),
    });
    await expect(
      noData.runWorkflow({ inputs: {}, user: 'u', responseMode: 'blocking' }),
    ).rejects.toMatchObject({ code: 'E_DIFY_BAD_RESPONSE' });
  });

  it('reports a stream that ends before the run was identified as dropped, retryable', async () => {
    const cut = new DifyClient({
      apiBase: 'http://dify.test/v1',
      apiKey: 'k',
      fetch: () =>
        Promise.resolve(
          new Response('event: ping\n\n', { headers: { 'content-type': 'text/event-stream' } }),
        ),
    });
    await expect(cut.sendChatMessage({ query: 'q', user: 'u' })).rejects.toMatchObject({
      code: 'E_DIFY_STREAM_DROPPED',
      retryable: true,
    });
  });
});
