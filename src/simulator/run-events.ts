import type { SimMessage } from './conversations.js';
import type { SimApp, SimRunRecord } from './sim-app.js';
import { asObject, asText } from '../core/json-value.js';
import { PRICE_PER_TOKEN, type SimNodeRun, type SimRunOutcome } from './sim-engine.js';

type Json = Readonly<Record<string, unknown>>;

/** A run being served. */
export interface ActiveRun {
  readonly app: SimApp;
  readonly kind: 'workflow' | 'chat' | 'completion';
  readonly record: SimRunRecord;
  readonly outcome: SimRunOutcome;
  readonly failed: boolean;
  readonly latencyMs: number;
  /** When the request arrived (`performance.now()`): the run answers `latencyMs` after it. */
  readonly arrivedMs: number;
  readonly conversationId: string;
  readonly messageId: string;
  /** The message a service-API chat or completion call keeps (its answer set at the end). */
  readonly message?: SimMessage | undefined;
}

/** Splits a text into a few word-sized pieces, as a model streams it. */
function chunks(text: string): string[] {
  const pieces = text.match(/\S+\s*/g) ?? [];
  const size = Math.max(1, Math.ceil(pieces.length / 8));
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += size) out.push(pieces.slice(i, i + size).join(''));
  return out;
}

/** A run's data, as the blocking answer, `workflow_finished` and the run detail carry it. */
export function runData(record: SimRunRecord): Json {
  return {
    id: record.id,
    workflow_id: record.workflowId,
    status: record.status,
    outputs: record.outputs,
    error: record.error,
    elapsed_time: record.elapsedS,
    total_tokens: record.totalTokens,
    total_steps: record.totalSteps,
    created_at: record.createdAt,
    finished_at: record.finishedAt,
  };
}

/** The fields every chat event carries. */
export function messageBase(run: ActiveRun): Json {
  return {
    task_id: run.record.taskId,
    id: run.messageId,
    message_id: run.messageId,
    conversation_id: run.conversationId,
    created_at: run.record.createdAt,
  };
}

/** A message's usage: tokens split into prompt and completion, the price as Dify writes it. */
export function usage(run: ActiveRun): Json {
  const total = run.outcome.totalTokens;
  const prompt = Math.ceil(total * 0.7);
  return {
    prompt_tokens: prompt,
    completion_tokens: total - prompt,
    total_tokens: total,
    total_price: run.outcome.totalPrice.toFixed(7),
    currency: 'USD',
    latency: run.latencyMs / 1000,
  };
}

/** An LLM node's usage, as its outputs and `process_data` carry it. */
function nodeUsage(step: SimNodeRun, run: ActiveRun, nodes: number): Json {
  const prompt = step.promptTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: step.tokens - prompt,
    total_tokens: step.tokens,
    total_price: (step.tokens * PRICE_PER_TOKEN).toFixed(7),
    currency: 'USD',
    latency: run.latencyMs / 1000 / nodes,
  };
}

/** What a node's `node_finished` says it did: outputs, `process_data`, metadata. */
function finishedData(step: SimNodeRun, run: ActiveRun, nodes: number): Json {
  const llm = step.node.type === 'llm';
  const used = llm ? nodeUsage(step, run, nodes) : undefined;
  const model = asObject(step.node.data.model) ?? {};
  return {
    inputs: null,
    // An LLM node's outputs carry its usage; its process_data the prompts it sent.
    outputs:
      used === undefined
        ? step.outputs
        : { ...step.outputs, reasoning_content: '', usage: used, finish_reason: 'stop' },
    process_data:
      used === undefined
        ? null
        : {
            model_mode: asText(model.mode, 'chat'),
            prompts: (step.prompts ?? []).map((p) => ({ ...p, files: [] })),
            usage: used,
            finish_reason: 'stop',
            model_provider: asText(model.provider, ''),
            model_name: asText(model.name, ''),
          },
    status: 'succeeded',
    error: null,
    elapsed_time: run.latencyMs / 1000 / nodes,
    execution_metadata:
      step.tokens > 0
        ? {
            total_tokens: step.tokens,
            total_price: (step.tokens * PRICE_PER_TOKEN).toFixed(7),
            currency: 'USD',
          }
        : null,
  };
}

/**
 * The node a chatflow streams its answer during: the first LLM node its answer node quotes
 * (Dify streams that model's tokens as `message` events), else the answer node itself.
 */
function answerStreamNode(nodes: readonly SimNodeRun[]): string | undefined {
  const answer = nodes.find((step) => step.node.type === 'answer');
  if (answer === undefined) return undefined;
  const template = asText(answer.node.data.answer, '');
  const quoted = nodes.find(
    (step) => step.node.type === 'llm' && template.includes(`{{#${step.node.id}.text#}}`),
  );
  return (quoted ?? answer).node.id;
}

/** The fields of a workflow event; a chatflow's also carry the conversation, message and time. */
function workflowBase(run: ActiveRun): Json {
  const { record } = run;
  const chatflow = run.kind === 'chat' && run.app.dsl.mode === 'advanced-chat';
  return {
    task_id: record.taskId,
    workflow_run_id: record.id,
    ...(chatflow
      ? {
          conversation_id: run.conversationId,
          message_id: run.messageId,
          created_at: record.createdAt,
        }
      : {}),
  };
}

/** The events of a run before its end, as Dify streams them. */
export function streamEvents(run: ActiveRun): Json[] {
  const { record, outcome, kind, app } = run;
  const chatflow = kind === 'chat' && app.dsl.mode === 'advanced-chat';
  const base = workflowBase(run);
  const events: Json[] = [];
  const graph = kind !== 'completion' && app.dsl.mode !== 'chat' && app.dsl.mode !== 'agent-chat';
  const streamsAnswer = chatflow ? answerStreamNode(outcome.nodes) : undefined;
  const messages = (selector: readonly string[] | null): void => {
    for (const piece of chunks(outcome.answer))
      events.push({
        event: 'message',
        ...messageBase(run),
        answer: piece,
        from_variable_selector: selector,
      });
  };
  if (graph) {
    events.push({
      event: 'workflow_started',
      ...base,
      data: {
        id: record.id,
        workflow_id: record.workflowId,
        inputs: record.inputs,
        created_at: record.createdAt,
      },
    });
    const count = Math.max(1, outcome.nodes.length);
    outcome.nodes.forEach((step, index) => {
      const nodeBase = {
        id: `${record.id}-${step.node.id}`,
        node_id: step.node.id,
        node_type: step.node.type,
        title: step.node.title,
        index: index + 1,
      };
      events.push({
        event: 'node_started',
        ...base,
        data: {
          ...nodeBase,
          predecessor_node_id: null,
          inputs: null,
          created_at: record.createdAt,
        },
      });
      if (step.node.id === streamsAnswer)
        messages(step.node.type === 'llm' ? [step.node.id, 'text'] : [step.node.id, 'answer']);
      else if (!chatflow && step.node.type === 'llm' && typeof step.outputs.text === 'string') {
        for (const piece of chunks(step.outputs.text)) {
          events.push({
            event: 'text_chunk',
            ...base,
            data: { text: piece, from_variable_selector: [step.node.id, 'text'] },
          });
        }
      }
      events.push({
        event: 'node_finished',
        ...base,
        data: {
          ...nodeBase,
          ...finishedData(step, run, count),
          created_at: record.createdAt,
          finished_at: record.createdAt,
        },
      });
    });
  }
  if (kind !== 'workflow' && streamsAnswer === undefined) messages(null);
  return events;
}

/** The events that end a run's stream. */
export function finalEvents(run: ActiveRun): Json[] {
  const { record, kind, app } = run;
  const base = workflowBase(run);
  const events: Json[] = [];
  const graph = kind !== 'completion' && app.dsl.mode !== 'chat' && app.dsl.mode !== 'agent-chat';
  if (graph) events.push({ event: 'workflow_finished', ...base, data: runData(record) });
  if (kind === 'workflow') return events;
  if (record.status === 'failed') {
    events.push({
      event: 'error',
      ...messageBase(run),
      status: 400,
      code: 'completion_request_error',
      message: record.error,
    });
  } else {
    events.push({
      event: 'message_end',
      ...messageBase(run),
      metadata: { usage: usage(run) },
    });
  }
  return events;
}
