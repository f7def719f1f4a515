import type { DifyNodeTrace, DifyRunResult, DifyRunStatus } from './dify-run-result.js';
import { asObject, asString } from '../core/json-value.js';

type Json = Readonly<Record<string, unknown>>;

const STATUSES: ReadonlySet<string> = new Set([
  'running',
  'succeeded',
  'failed',
  'stopped',
  'partial-succeeded',
  'paused',
]);

/** A number, or a number Dify sent as a string (`"total_steps": "1"`, prices). */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function seconds(value: unknown): number | undefined {
  const s = numeric(value);
  return s === undefined ? undefined : s * 1000;
}

/**
 * Builds a {@link DifyRunResult} from Dify's events, in the order they came. Unknown events and
 * fields are ignored; numbers sent as strings are read as numbers.
 */
export class RunAssembler {
  readonly #mode: DifyRunResult['mode'];
  #taskId: string | undefined;
  #workflowRunId: string | undefined;
  #messageId: string | undefined;
  #conversationId: string | undefined;
  #status: DifyRunStatus = 'running';
  #outputs: Json = {};
  #answer: string | undefined;
  #error: string | undefined;
  #errorCode: string | undefined;
  #elapsedMs: number | undefined;
  #tokens: number | undefined;
  #price: number | undefined;
  #currency: string | undefined;
  #steps: number | undefined;
  #nodes: DifyNodeTrace[] = [];
  #malformed = 0;
  #finished = false;

  constructor(mode: DifyRunResult['mode']) {
    this.#mode = mode;
  }

  /** The task id, once an event carried it: what a stop call needs. */
  get taskId(): string | undefined {
    return this.#taskId;
  }

  get workflowRunId(): string | undefined {
    return this.#workflowRunId;
  }

  /** Whether the final event came: `workflow_finished`, `message_end` or `error`. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Counts a frame that could not be read. */
  malformed(): void {
    this.#malformed += 1;
  }

  /** Takes one event. */
  add(event: Json): void {
    this.#taskId ??= asString(event.task_id);
    this.#workflowRunId ??= asString(event.workflow_run_id);
    this.#conversationId ??= asString(event.conversation_id);
    this.#messageId ??=
      asString(event.message_id) ?? (this.#mode === 'workflow' ? undefined : asString(event.id));
    const data = asObject(event.data) ?? {};
    switch (event.event) {
      case 'workflow_started':
        this.#workflowRunId ??= asString(data.id);
        break;
      case 'node_finished':
        this.#nodes.push(this.#node(data));
        break;
      case 'text_chunk':
        this.#answer = (this.#answer ?? '') + (asString(data.text) ?? '');
        break;
      case 'message':
      case 'agent_message':
        this.#answer = (this.#answer ?? '') + (asString(event.answer) ?? '');
        break;
      case 'message_replace':
        this.#answer = asString(event.answer) ?? this.#answer;
        break;
      case 'workflow_finished':
        this.#workflowFinished(data);
        break;
      case 'message_end':
        this.#usage(asObject(asObject(event.metadata)?.usage));
        if (this.#status === 'running') this.#status = 'succeeded';
        this.#finished = true;
        break;
      case 'error':
        this.#status = 'failed';
        this.#error = asString(event.message) ?? 'the stream ended with an error';
        this.#errorCode = asString(event.code);
        this.#finished = true;
        break;
      default:
        // ping, reasoning_chunk, tts_*, human_input_*, iteration and loop events, and whatever
        // Dify adds next: nothing to keep.
        break;
    }
  }

  /** Takes a blocking chat or completion answer. */
  addMessage(body: Json): void {
    this.add(body);
    this.#answer = asString(body.answer) ?? this.#answer;
    this.#usage(asObject(asObject(body.metadata)?.usage));
    this.#status = 'succeeded';
    this.#finished = true;
  }

  /** Takes a run's data: the blocking answer's `data`, or the run detail. */
  addRunData(data: Json): void {
    this.#workflowRunId ??= asString(data.id);
    this.#workflowFinished(data);
  }

  #workflowFinished(data: Json): void {
    const status = asString(data.status);
    this.#status =
      status !== undefined && STATUSES.has(status) ? (status as DifyRunStatus) : 'failed';
    this.#outputs = asObject(data.outputs) ?? {};
    this.#error = asString(data.error) ?? undefined;
    this.#elapsedMs = seconds(data.elapsed_time);
    this.#tokens = numeric(data.total_tokens);
    this.#price = numeric(data.total_price) ?? this.#price ?? this.#nodePrice();
    this.#currency ??= asString(data.currency);
    this.#steps = numeric(data.total_steps);
    // A chatflow goes on to message_end; a workflow is done.
    if (this.#mode === 'workflow' || this.#status !== 'succeeded') this.#finished = true;
  }

  #usage(usage: Json | undefined): void {
    if (usage === undefined) return;
    this.#tokens = numeric(usage.total_tokens) ?? this.#tokens;
    this.#price = numeric(usage.total_price) ?? this.#price;
    this.#currency = asString(usage.currency) ?? this.#currency;
    this.#elapsedMs ??= seconds(usage.latency);
  }

  #node(data: Json): DifyNodeTrace {
    const metadata = asObject(data.execution_metadata) ?? {};
    this.#currency ??= asString(metadata.currency);
    return {
      nodeId: asString(data.node_id) ?? '',
      nodeType: asString(data.node_type) ?? '',
      title: asString(data.title) ?? '',
      status: asString(data.status) ?? '',
      elapsedMs: seconds(data.elapsed_time),
      totalTokens: numeric(metadata.total_tokens),
      totalPrice: numeric(metadata.total_price),
      error: asString(data.error),
      outputs: asObject(data.outputs),
    };
  }

  #nodePrice(): number | undefined {
    const prices = this.#nodes.map((node) => node.totalPrice).filter((p) => p !== undefined);
    return prices.length === 0 ? undefined : prices.reduce((sum, price) => sum + price, 0);
  }

  /** The result so far; `recovered` marks one read back from the run detail. */
  result(recovered = false): DifyRunResult {
    return {
      mode: this.#mode,
      taskId: this.#taskId,
      workflowRunId: this.#workflowRunId,
      messageId: this.#messageId,
      conversationId: this.#conversationId,
      status: this.#status,
      outputs: this.#outputs,
      answer: this.#answer,
      error: this.#error,
      errorCode: this.#errorCode,
      elapsedMs: this.#elapsedMs,
      totalTokens: this.#tokens,
      totalPrice: this.#price,
      currency: this.#currency,
      totalSteps: this.#steps,
      nodes: this.#nodes,
      recovered,
      malformedFrames: this.#malformed,
    };
  }
}
