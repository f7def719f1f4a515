import type { HttpResponse, Json } from './dify-http.js';
import type { DifyRunResult } from './dify-run-result.js';
import { RunAssembler } from './run-assembler.js';
import { SseDecoder } from './sse-decoder.js';

// How long a stop call sent for an aborted run may take; it runs after the caller gave up.
const STOP_TIMEOUT_MS = 5000;

/** What reading a run's event stream left: the run so far, and why the stream broke, if it did. */
export interface ReadStream {
  readonly assembler: RunAssembler;
  /** The error that broke the stream before its end; undefined when it just ended. */
  readonly dropped: unknown;
}

/**
 * Reads a run's SSE answer into a {@link RunAssembler}: each event handed to `onEvent` as it
 * comes, malformed frames counted. When `signal` aborts mid-stream, `stop` is called with the
 * run's task id and a 5 s deadline (Dify keeps running an abandoned stream), awaited, and the abort reason thrown.
 */
export async function readRunStream(
  kind: DifyRunResult['mode'],
  response: HttpResponse,
  options: {
    readonly onEvent?: ((event: Json) => void) | undefined;
    readonly stop: (taskId: string, signal: AbortSignal) => Promise<void>;
    readonly signal: AbortSignal | undefined;
  },
): Promise<ReadStream> {
  const { signal } = options;
  const assembler = new RunAssembler(kind);
  const decoder = new SseDecoder((frame) => {
    if (frame.kind === 'malformed') {
      assembler.malformed();
      return;
    }
    assembler.add(frame.data);
    options.onEvent?.(frame.data);
  });
  let stopping: Promise<void> | undefined;
  const onAbort = (): void => {
    const taskId = assembler.taskId;
    if (taskId === undefined) return;
    // Dify goes on running an abandoned stream: ask it to stop, under a deadline of its own.
    stopping = options.stop(taskId, AbortSignal.timeout(STOP_TIMEOUT_MS)).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let dropped: unknown;
  try {
    const body = response.body;
    if (body !== null) {
      for await (const chunk of body) decoder.push(chunk);
    }
  } catch (error) {
    dropped = error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted === true) {
    await stopping;
    throw signal.reason;
  }
  decoder.end();
  return { assembler, dropped };
}
