import { describe, expect, it } from 'vitest';
import { fixture, fixtureJson } from '../../test/support/fixtures.js';
import { RunAssembler, numeric } from './run-assembler.js';
import { SseDecoder } from './sse-decoder.js';

function assemble(file: string, mode: 'workflow' | 'chat' | 'completion') {
  const assembler = new RunAssembler(mode);
  const decoder = new SseDecoder((frame) => {
    if (frame.kind === 'event') assembler.add(frame.data);
    else assembler.malformed();
  });
  decoder.push(fixture(`responses/${file}`));
  decoder.end();
  return assembler;
}

describe('RunAssembler', () => {
  it('assembles the canonical workflow stream: outputs, tokens, text and per-node traces', () => {
    const assembler = assemble('workflow-run-streaming.sse', 'workflow');
    expect(assembler.finished).toBe(true);
    const result = assembler.result();
    expect(result).toMatchObject({
      mode: 'workflow',
      status: 'succeeded',
      taskId: 'ed5e6390-f7d9-52d5-a68b-8da27496b763',
      workflowRunId: '19e373c8-51d6-5fdb-bb9d-49454dd0c5e8',
      recovered: false,
      malformedFrames: 0,
    });
    expect(result.outputs).not.toEqual({});
    expect(result.answer?.startsWith('Bonjour')).toBe(true);
    expect(result.nodes.map((n) => n.nodeId)).toEqual(['start_node', 'llm_node', 'end_node']);
    expect(result.nodes[1]?.nodeType).toBe('llm');
    expect(result.totalTokens).toBeGreaterThan(0);
    expect(result.elapsedMs).toBeGreaterThan(0);
  });

  it.each(['workflow-run-streaming.template.sse', 'workflow-run-streaming.docs.sse'])(
    'reads the %s variant',
    (file) => {
      const result = assemble(file, 'workflow').result();
      expect(result.status).toBe('succeeded');
      expect(result.workflowRunId).toBeDefined();
      expect(result.totalSteps).toEqual(expect.any(Number));
    },
  );

  it('reports a workflow that failed inside the stream as a failed result', () => {
    const result = assemble('workflow-run-streaming-failed.sse', 'workflow').result();
    expect(result.status).toBe('failed');
    expect(result.error).toEqual(expect.any(String));
    expect(result.nodes.some((node) => node.status === 'failed' || node.error !== undefined)).toBe(
      true,
    );
  });

  it('reads a failed chatflow: workflow_finished(failed), then an error event', () => {
    const assembler = assemble('chat-messages-streaming-chatflow-failed.sse', 'chat');
    expect(assembler.finished).toBe(true);
    const result = assembler.result();
    expect(result.status).toBe('failed');
    expect(result.errorCode).toEqual(expect.any(String));
  });

  it.each([
    'chat-messages-streaming-chatflow.sse',
    'chat-messages-streaming-chatflow.template.sse',
  ])('assembles the chatflow stream %s into an answer with usage', (file) => {
    const result = assemble(file, 'chat').result();
    expect(result.status).toBe('succeeded');
    expect(result.conversationId).toEqual(expect.any(String));
    expect(result.workflowRunId).toEqual(expect.any(String));
  });

  it('leaves a paused run unfinished (the resume stream then ends it)', () => {
    const assembler = assemble('workflow-events-resume.sse', 'workflow');
    expect(assembler.result().status).not.toBe('running');
  });

  it('reads blocking answers: succeeded, failed and paused runs, and a chat message', () => {
    for (const [file, status] of [
      ['workflow-run-blocking-succeeded.json', 'succeeded'],
      ['workflow-run-blocking-succeeded.template.json', 'succeeded'],
      ['workflow-run-blocking-failed.json', 'failed'],
      ['workflow-run-blocking-paused.json', 'paused'],
    ] as const) {
      const body = fixtureJson(`responses/${file}`) as Record<string, unknown>;
      const assembler = new RunAssembler('workflow');
      assembler.add(body);
      assembler.addRunData(body.data as Record<string, unknown>);
      expect(assembler.result().status, file).toBe(status);
    }
    const failed = new RunAssembler('workflow');
    failed.addRunData(
      (
        fixtureJson('responses/workflow-run-blocking-failed.json') as {
          data: Record<string, unknown>;
        }
      ).data,
    );
    expect(failed.result()).toMatchObject({
      error: '[openai] Error: Request timed out.',
      elapsedMs: 30018.826,
      outputs: {},
    });
    const chat = new RunAssembler('chat');
    chat.addMessage(
      fixtureJson('responses/chat-messages-blocking.json') as Record<string, unknown>,
    );
    expect(chat.result()).toMatchObject({
      status: 'succeeded',
      answer: 'iPhone 13 Pro Max specs are listed here:...',
      totalTokens: 1161,
      totalPrice: 0.001289,
      currency: 'USD',
      messageId: '9da23599-e713-473b-982c-4328d4f5c78a',
    });
  });

  it('reads numbers Dify sends as strings, and ignores unknown events', () => {
    expect(numeric('1')).toBe(1);
    expect(numeric('0.0012890')).toBe(0.001289);
    expect(numeric('')).toBeUndefined();
    expect(numeric('n/a')).toBeUndefined();
    expect(numeric(Number.NaN)).toBeUndefined();
    const assembler = new RunAssembler('workflow');
    assembler.add({ event: 'reasoning_chunk', data: { text: 'hmm' } });
    assembler.add({ event: 'workflow_finished', data: { status: 'exotic', total_steps: '4' } });
    expect(assembler.result()).toMatchObject({ status: 'failed', totalSteps: 4 });
  });
});
