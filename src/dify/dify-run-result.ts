/** A Dify run's status, as Dify reports it. */
export type DifyRunStatus =
  'running' | 'succeeded' | 'failed' | 'stopped' | 'partial-succeeded' | 'paused';

/** One node's part in a run, from its `node_finished` event. */
export interface DifyNodeTrace {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly title: string;
  readonly status: string;
  readonly elapsedMs: number | undefined;
  readonly totalTokens: number | undefined;
  readonly totalPrice: number | undefined;
  readonly error: string | undefined;
  /** What the node produced (an LLM's `text`, a classifier's class), when Dify said. */
  readonly outputs?: Readonly<Record<string, unknown>> | undefined;
}

/** A run's outcome, assembled from a blocking answer, a stream's events, or the run detail. */
export interface DifyRunResult {
  readonly mode: 'workflow' | 'chat' | 'completion';
  readonly taskId: string | undefined;
  readonly workflowRunId: string | undefined;
  readonly messageId: string | undefined;
  readonly conversationId: string | undefined;
  /** `succeeded` only when Dify says so: a run that answered HTTP 200 may still have failed. */
  readonly status: DifyRunStatus;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The answer of a chat or completion message, or the text a workflow streamed. */
  readonly answer: string | undefined;
  readonly error: string | undefined;
  /** Dify's `code` when the stream ended with an `error` event. */
  readonly errorCode: string | undefined;
  /** Dify's own `elapsed_time`, in ms. */
  readonly elapsedMs: number | undefined;
  readonly totalTokens: number | undefined;
  readonly totalPrice: number | undefined;
  readonly currency: string | undefined;
  readonly totalSteps: number | undefined;
  readonly nodes: readonly DifyNodeTrace[];
  /** True when the stream dropped and the result was read back from the run detail. */
  readonly recovered: boolean;
  /** Stream frames that were not valid JSON objects, skipped. */
  readonly malformedFrames: number;
}
