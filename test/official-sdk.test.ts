// The simulator as Dify's official Node SDK (`dify-client`) sees it (#17 item 8): conversations,
// messages and feedback; a chatflow's stream in Dify's order; node_finished with process_data and
// usage. Everything over real HTTP on 127.0.0.1, driven by the SDK's own calls.
import type { Readable } from 'node:stream';
import * as sdk from 'dify-client';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DifySimulator } from '../src/simulator/simulator-server.js';
import { STANDARD_APPS, startSimulator } from './support/simulator.js';

type Json = Record<string, unknown>;

// The SDK's calls as its JavaScript makes them (its bundled index.d.ts lags behind: it lacks
// runWorkflow and types ids as numbers), typed once here.
interface SdkResponse {
  readonly status: number;
  readonly data: unknown;
}
interface SdkClient {
  messageFeedback(messageId: string, rating: string | null, user: string): Promise<SdkResponse>;
  getApplicationParameters(user: string): Promise<SdkResponse>;
  sendRequest(method: string, path: string, body: Json | null, query: Json): Promise<SdkResponse>;
}
interface SdkChat extends SdkClient {
  createChatMessage(
    inputs: Json,
    query: string,
    user: string,
    stream?: boolean,
    conversationId?: string | null,
  ): Promise<SdkResponse>;
  getConversationMessages(
    user: string,
    conversationId: string,
    firstId?: string | null,
    limit?: number | null,
  ): Promise<SdkResponse>;
  getConversations(user: string): Promise<SdkResponse>;
  renameConversation(id: string, name: string, user: string, auto: boolean): Promise<SdkResponse>;
  deleteConversation(id: string, user: string): Promise<SdkResponse>;
}
interface SdkCompletion extends SdkClient {
  createCompletionMessage(inputs: Json, user: string, stream?: boolean): Promise<SdkResponse>;
  runWorkflow(inputs: Json, user: string, stream?: boolean): Promise<SdkResponse>;
}
type Client<T> = new (apiKey: string, baseUrl: string) => T;
const ChatClient = sdk.ChatClient as unknown as Client<SdkChat>;
const CompletionClient = sdk.CompletionClient as unknown as Client<SdkCompletion>;
const DifyClient = sdk.DifyClient as unknown as Client<SdkClient>;

let sim: DifySimulator;
beforeAll(async () => {
  sim = await startSimulator(STANDARD_APPS);
});
afterAll(async () => {
  await sim.close();
});

/** The JSON events of a streamed answer, in order. */
async function events(stream: Readable): Promise<Json[]> {
  const out: Json[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.event === undefined) out.push(JSON.parse(event.data) as Json);
    },
  });
  for await (const chunk of stream) parser.feed((chunk as Buffer).toString('utf8'));
  return out;
}

/** The HTTP status and Dify error body of a refused SDK call. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; body: Json }> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Json } }).response;
    if (response !== undefined) return { status: response.status, body: response.data };
    throw error;
  }
  throw new Error('the call was not refused');
}

const data = (response: SdkResponse): Json => response.data as Json;

describe('the simulator through the official Dify SDK', () => {
  it('keeps a conversation: messages in order with their answers, listed for their user only', async () => {
    const chat = new ChatClient('app-chat-secret', sim.apiBase);
    const first = data(await chat.createChatMessage({ topic: 'tea' }, 'Tell me about tea', 'ann'));
    const conversationId = first.conversation_id as string;
    const second = data(
      await chat.createChatMessage(
        { topic: 'tea' },
        'And green tea?',
        'ann',
        false,
        conversationId,
      ),
    );
    expect(second.conversation_id).toBe(conversationId);

    const history = data(await chat.getConversationMessages('ann', conversationId));
    const messages = history.data as Json[];
    expect(messages.map((m) => m.query)).toEqual(['Tell me about tea', 'And green tea?']);
    expect(messages.map((m) => m.answer)).toEqual([first.answer, second.answer]);
    expect(messages.map((m) => m.id)).toEqual([first.message_id, second.message_id]);
    expect(messages[0]).toMatchObject({ conversation_id: conversationId, feedback: null });
    expect(history.has_more).toBe(false);

    const listed = data(await chat.getConversations('ann'));
    expect((listed.data as Json[]).map((c) => c.id)).toContain(conversationId);
    expect((listed.data as Json[]).find((c) => c.id === conversationId)).toMatchObject({
      name: 'Tell me about tea',
      status: 'normal',
      inputs: { topic: 'tea' },
    });
    // Another end user sees none of it.
    expect(data(await chat.getConversations('bob')).data).toEqual([]);
    const theirs = await refusal(chat.getConversationMessages('bob', conversationId));
    expect(theirs).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('pages history backwards from first_id and conversations after last_id', async () => {
    const chat = new ChatClient('app-chat-secret', sim.apiBase);
    const opened = data(await chat.createChatMessage({}, 'q1', 'pager'));
    const conversationId = opened.conversation_id as string;
    for (const query of ['q2', 'q3'])
      await chat.createChatMessage({}, query, 'pager', false, conversationId);
    const latest = data(await chat.getConversationMessages('pager', conversationId, null, 2));
    expect((latest.data as Json[]).map((m) => m.query)).toEqual(['q2', 'q3']);
    expect(latest.has_more).toBe(true);
    const firstId = (latest.data as Json[])[0]?.id as string;
    const older = data(await chat.getConversationMessages('pager', conversationId, firstId, 2));
    expect((older.data as Json[]).map((m) => m.query)).toEqual(['q1']);
    expect(older.has_more).toBe(false);

    // Conversations, newest first, page by last_id (the SDK's own helper sends first_id, which
    // Dify ignores; its sendRequest sends what Dify reads).
    await chat.createChatMessage({}, 'another', 'pager');
    const page = async (lastId: string | null): Promise<Json> =>
      data(
        await chat.sendRequest('GET', '/conversations', null, {
          user: 'pager',
          last_id: lastId,
          limit: 1,
        }),
      );
    const newest = await page(null);
    expect((newest.data as Json[])[0]?.name).toBe('another');
    expect(newest.has_more).toBe(true);
    const next = await page((newest.data as Json[])[0]?.id as string);
    expect((next.data as Json[]).map((c) => c.id)).toEqual([conversationId]);
    expect(next.has_more).toBe(false);
  });

  it('records feedback on chat and completion messages, and refuses an unknown message', async () => {
    const chat = new ChatClient('app-chat-secret', sim.apiBase);
    const sent = data(await chat.createChatMessage({}, 'Rate me', 'cara'));
    const feedback = data(await chat.messageFeedback(sent.message_id as string, 'like', 'cara'));
    expect(feedback).toEqual({ result: 'success' });
    const history = data(
      await chat.getConversationMessages('cara', sent.conversation_id as string),
    );
    expect((history.data as Json[])[0]?.feedback).toEqual({ rating: 'like' });
    await chat.messageFeedback(sent.message_id as string, null, 'cara');
    const cleared = data(
      await chat.getConversationMessages('cara', sent.conversation_id as string),
    );
    expect((cleared.data as Json[])[0]?.feedback).toBeNull();

    const completion = new CompletionClient('app-completion-secret', sim.apiBase);
    const written = data(await completion.createCompletionMessage({ topic: 'rain' }, 'cara'));
    expect(written.answer).toEqual(expect.any(String));
    expect(
      data(await completion.messageFeedback(written.message_id as string, 'dislike', 'cara')),
    ).toEqual({ result: 'success' });

    const unknown = await refusal(chat.messageFeedback('no-such-message', 'like', 'cara'));
    expect(unknown).toEqual({
      status: 404,
      body: { code: 'not_found', message: 'Message Not Exists.', status: 404 },
    });
    const bad = await refusal(chat.messageFeedback(sent.message_id as string, 'meh', 'cara'));
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_param' } });
  });

  it('renames and deletes a conversation, after which it is gone', async () => {
    const chat = new ChatClient('app-chat-secret', sim.apiBase);
    const sent = data(await chat.createChatMessage({}, 'Something to keep', 'dan'));
    const conversationId = sent.conversation_id as string;
    const renamed = data(
      await chat.renameConversation(conversationId, 'Kept things', 'dan', false),
    );
    expect(renamed).toMatchObject({ id: conversationId, name: 'Kept things' });
    const auto = data(await chat.renameConversation(conversationId, '', 'dan', true));
    expect(auto.name).toBe('Something to keep');

    const deleted = await chat.deleteConversation(conversationId, 'dan');
    expect(deleted.status).toBe(204);
    const gone = await refusal(chat.getConversationMessages('dan', conversationId));
    expect(gone).toEqual({
      status: 404,
      body: { code: 'not_found', message: 'Conversation Not Exists.', status: 404 },
    });
    const continued = await refusal(
      chat.createChatMessage({}, 'Still there?', 'dan', false, conversationId),
    );
    expect(continued.status).toBe(404);
  });

  it('refuses conversations on an app that is not a chat app', async () => {
    const workflow = new ChatClient('app-wf-secret-key', sim.apiBase);
    const refused = await refusal(workflow.getConversations('eve'));
    expect(refused).toMatchObject({ status: 400, body: { code: 'not_chat_app' } });
  });

  it("streams a chatflow in Dify's order, every event naming its conversation and message", async () => {
    const chat = new ChatClient('app-chatflow-secret', sim.apiBase);
    const response = await chat.createChatMessage({}, 'What is a workflow?', 'fay', true);
    const stream = await events(response.data as Readable);
    const names = stream.map((e) => e.event);
    expect(names[0]).toBe('workflow_started');
    // The stream ends with workflow_finished, then message_end (Dify publishes the message's end
    // once the workflow has finished); a chatflow sends its text as message, never text_chunk.
    expect(names.slice(-2)).toEqual(['workflow_finished', 'message_end']);
    expect(names).not.toContain('text_chunk');
    const [messageId, conversationId] = [stream[0]?.message_id, stream[0]?.conversation_id];
    expect(messageId).toEqual(expect.any(String));
    for (const event of stream) {
      expect(event).toMatchObject({ message_id: messageId, conversation_id: conversationId });
      expect(typeof event.created_at).toBe('number');
    }
    // The answer streams while the model that writes it runs: between its node's start and end.
    const firstMessage = names.indexOf('message');
    const node = stream[firstMessage - 1]?.data as Json;
    expect(stream[firstMessage - 1]?.event).toBe('node_started');
    expect(node.node_type).toBe('llm');
    const finished = stream.findIndex(
      (e) => e.event === 'node_finished' && (e.data as Json).node_id === node.node_id,
    );
    expect(names.lastIndexOf('message')).toBeLessThan(finished);
    // What streamed is what the conversation keeps.
    const answer = stream
      .filter((e) => e.event === 'message')
      .map((e) => e.answer as string)
      .join('');
    const history = data(await chat.getConversationMessages('fay', conversationId as string));
    expect((history.data as Json[])[0]?.answer).toBe(answer);
  });

  it('finishes an LLM node with its prompts and usage, as Dify does', async () => {
    const runner = new CompletionClient('app-wf-secret-key', sim.apiBase);
    const response = await runner.runWorkflow({ query: 'Say hello' }, 'gus', true);
    const stream = await events(response.data as Readable);
    const llm = stream.find(
      (e) => e.event === 'node_finished' && (e.data as Json).node_type === 'llm',
    )?.data as Json;
    const processData = llm.process_data as Json;
    const prompts = processData.prompts as Json[];
    expect(prompts.at(-1)).toMatchObject({ role: 'user', files: [] });
    expect(prompts.at(-1)?.text).toContain('Say hello');
    const usage = processData.usage as Json;
    expect(usage).toMatchObject({ currency: 'USD' });
    expect(usage.total_tokens).toBe(
      (usage.prompt_tokens as number) + (usage.completion_tokens as number),
    );
    expect((llm.outputs as Json).usage).toEqual(usage);
    expect((llm.outputs as Json).text).toEqual(expect.any(String));
    expect(processData.finish_reason).toBe('stop');
    expect((llm.execution_metadata as Json).total_tokens).toBe(usage.total_tokens);
    // A node that calls no model has no process_data.
    const start = stream.find(
      (e) => e.event === 'node_finished' && (e.data as Json).node_type === 'start',
    )?.data as Json;
    expect(start.process_data).toBeNull();

    const blocking = data(await runner.runWorkflow({ query: 'Say hello' }, 'gus'));
    expect((blocking.data as Json).status).toBe('succeeded');
    const parameters = data(
      await new DifyClient('app-wf-secret-key', sim.apiBase).getApplicationParameters('gus'),
    );
    expect(parameters.user_input_form).toEqual(expect.any(Array));
  });
});
