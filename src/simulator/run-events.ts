import type { SimApp, SimRunRecord } from './sim-app.js';
import type { SimRunOutcome } from './sim-engine.js';

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

/** The events of a run before its end, as Dify streams them. */
export function streamEvents(run: ActiveRun): Json[] {
  const { record, outcome, kind, app } = run;
  const base = { task_id: record.taskId, workflow_run_id: record.id };
  const events: Json[] = [];
  const graph = kind !== 'completion' && app.dsl.mode !== 'chat' && app.dsl.mode !== 'agent-chat';
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
      if (step.node.type === 'llm' && typeof step.outputs.text === 'string') {
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
          inputs: null,
          outputs: step.outputs,
          status: 'succeeded',
          error: null,
          elapsed_time: run.latencyMs / 1000 / Math.max(1, outcome.nodes.length),
          execution_metadata:
            step.tokens > 0
              ? {
                  total_tokens: step.tokens,
                  total_price: (step.tokens * 0.000002).toFixed(7),
                  currency: 'USD',
                }
              : null,
          created_at: record.createdAt,
          finished_at: record.createdAt,
        },
      });
    });
  }
  if (kind !== 'workflow') {
    for (const piece of chunks(outcome.answer))
      events.push({ event: 'message', ...messageBase(run), answer: piece });
  }
  return events;
}

/** The events that end a run's stream. */
export function finalEvents(run: ActiveRun): Json[] {
  const { record, kind, app } = run;
  const base = { task_id: record.taskId, workflow_run_id: record.id };
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
