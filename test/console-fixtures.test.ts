// The console client reads the payloads of Dify's console (test/fixtures/console) as Dify sends
// them, through an injected fetch, and sends the requests Dify's console controllers take.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DifyConsoleClient } from '../src/dify/console-client.js';
import type { Fetch, HttpResponse } from '../src/dify/dify-http.js';
import { FIXTURES } from './support/fixtures.js';

const CONSOLE = join(FIXTURES, '..', 'console');
const read = (name: string): string => readFileSync(join(CONSOLE, name), 'utf8');

function answer(status: number, text: string, cookies: string[] = []): HttpResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: () => null, getSetCookie: () => cookies },
    text: () => Promise.resolve(text),
    // Split mid-frame, as a network would.
    body: Readable.from(
      Array.from({ length: Math.ceil(text.length / 37) }, (_, i) =>
        Buffer.from(text).subarray(i * 37, i * 37 + 37),
      ),
    ),
  };
}

/** A console that answers from the fixtures and records what it was sent. */
function fakeConsole(routes: Record<string, () => HttpResponse>) {
  const sent: { method: string; path: string; body: unknown; headers: unknown }[] = [];
  const fetch: Fetch = (input, init) => {
    const path = new URL(input).pathname.replace('/console/api', '');
    const method = init.method ?? 'GET';
    sent.push({
      method,
      path,
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      headers: init.headers,
    });
    if (path === '/login')
      return Promise.resolve(
        answer(200, '{"result":"success"}', ['access_token=a1; Path=/', 'csrf_token=c1; Path=/']),
      );
    const route = routes[`${method} ${path}`];
    return Promise.resolve(route === undefined ? answer(404, '{"code":"not_found"}') : route());
  };
  return { fetch, sent };
}

async function client(routes: Record<string, () => HttpResponse>) {
  const fake = fakeConsole(routes);
  const console = new DifyConsoleClient({ baseUrl: 'http://dify.test', fetch: fake.fetch });
  await console.login({ email: 'a@b.c', password: 'p' });
  return { console, sent: fake.sent };
}

describe('console payloads as Dify sends them', () => {
  it("assembles a workflow's draft run from its stream, traces and all", async () => {
    const { console, sent } = await client({
      'POST /apps/app-1/workflows/draft/run': () => answer(200, read('workflow-draft-run.sse')),
    });
    const run = await console.runDraft('app-1', 'workflow', {
      inputs: { query: 'Where are my invoices' },
    });
    expect(run).toMatchObject({
      status: 'succeeded',
      outputs: { answer: 'Certainly: under Billing.' },
      taskId: '7f0c1e4a-2b7d-4c1f-9e61-1d2a3b4c5d6e',
      totalTokens: 61,
      elapsedMs: 910,
    });
    expect(run.nodes).toEqual([expect.objectContaining({ nodeId: 'llm_node', totalTokens: 61 })]);
    expect(sent.at(-1)?.body).toEqual({ inputs: { query: 'Where are my invoices' } });
  });

  it("assembles a chatflow's draft run with its answer, sending the query", async () => {
    const { console, sent } = await client({
      'POST /apps/app-2/advanced-chat/workflows/draft/run': () =>
        answer(200, read('advanced-chat-draft-run.sse')),
    });
    const run = await console.runDraft('app-2', 'advanced-chat', {
      inputs: {},
      query: 'Tell me about tea',
      conversationId: 'c0ffee00-1111-4222-8333-444455556666',
    });
    expect(run).toMatchObject({ status: 'succeeded', answer: 'Tea is a drink.', totalTokens: 40 });
    expect(sent.at(-1)?.body).toEqual({
      inputs: {},
      query: 'Tell me about tea',
      conversation_id: 'c0ffee00-1111-4222-8333-444455556666',
    });
  });

  it('sends a debug message as the console controller takes it, and reads its stream', async () => {
    const { console, sent } = await client({
      'POST /apps/app-3/chat-messages': () => answer(200, read('chat-debug-message.sse')),
    });
    const request = JSON.parse(read('chat-debug-request.json')) as {
      inputs: Record<string, unknown>;
      model_config: Record<string, unknown>;
      query: string;
    };
    const run = await console.runDebug('app-3', 'chat', {
      inputs: request.inputs,
      query: request.query,
      modelConfig: request.model_config,
    });
    expect(run).toMatchObject({ status: 'succeeded', answer: 'HELLO THERE', totalTokens: 14 });
    expect(sent.at(-1)?.body).toEqual(request);
    expect(sent.at(-1)?.headers).toMatchObject({ 'x-csrf-token': 'c1' });
  });

  it('reads an import that created an app, and deletes an app answered 204', async () => {
    const { console, sent } = await client({
      'POST /apps/imports': () => answer(200, read('import-created.json')),
      'DELETE /apps/0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d': () => answer(204, ''),
    });
    const created = await console.importDsl({ yaml: 'app: {name: x, mode: workflow}\n' });
    expect(created).toEqual({
      id: '5e1d0c2b-3a4f-4e5d-9c8b-7a6f5e4d3c2b',
      status: 'completed',
      appId: '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      currentDslVersion: '0.3.1',
      importedDslVersion: '0.3.1',
      error: undefined,
    });
    expect(sent.at(-1)?.body).toEqual({
      mode: 'yaml-content',
      yaml_content: 'app: {name: x, mode: workflow}\n',
    });
    await console.deleteApp('0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d');
    expect(sent.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/apps/0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
    });
  });

  it('calls the stop endpoint of each kind of console run', async () => {
    const ok = () => answer(200, '{"result":"success"}');
    const { console, sent } = await client({
      'POST /apps/a/workflow-runs/tasks/t1/stop': ok,
      'POST /apps/a/chat-messages/t2/stop': ok,
      'POST /apps/a/completion-messages/t3/stop': ok,
    });
    await console.stopRun('a', 'advanced-chat', 't1');
    await console.stopRun('a', 'chat', 't2');
    await console.stopRun('a', 'completion', 't3');
    expect(sent.slice(-3).map((s) => s.path)).toEqual([
      '/apps/a/workflow-runs/tasks/t1/stop',
      '/apps/a/chat-messages/t2/stop',
      '/apps/a/completion-messages/t3/stop',
    ]);
  });

  it('says a draft stream that ends before its final event was dropped, retryably', async () => {
    const cut = read('workflow-draft-run.sse').split('\n\n').slice(0, 3).join('\n\n');
    const { console } = await client({
      'POST /apps/app-1/workflows/draft/run': () => answer(200, `${cut}\n\n`),
    });
    await expect(console.runDraft('app-1', 'workflow', { inputs: {} })).rejects.toMatchObject({
      code: 'E_DIFY_STREAM_DROPPED',
      retryable: true,
    });
  });
});
