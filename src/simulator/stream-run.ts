import type { ServerResponse } from 'node:http';
import { sleep, systemClock } from '../core/clock.js';
import type { SimFault } from './fault-plan.js';
import { finalEvents, streamEvents, type ActiveRun } from './run-events.js';

/** What is left of a run's latency, counted from its request's arrival. */
export function remainingMs(run: ActiveRun): number {
  return Math.max(0, run.latencyMs - (performance.now() - run.arrivedMs));
}

/**
 * Streams a run as Dify does: a ping, the run's events spread over its latency (a stop cuts
 * it short), then its final events; the faults struck (a slow first byte, slow chunks, a
 * dropped stream, malformed frames, an `error` event) shape it. `finish` records the run's end.
 */
export async function streamRun(
  run: ActiveRun,
  res: ServerResponse,
  faults: readonly SimFault[],
  finish: (run: ActiveRun) => void,
): Promise<void> {
  const slowFirstByte = faults.find((f) => f.kind === 'slow_first_byte');
  const slowChunks = faults.find((f) => f.kind === 'slow_chunks');
  const drop = faults.find((f) => f.kind === 'drop_stream');
  const errorEvent = faults.find((f) => f.kind === 'error_event');
  const malformed = faults.some((f) => f.kind === 'malformed_frames');
  const { record } = run;
  // A function, not a read: a stop call can arrive during any await below.
  const stopped = (): boolean => record.stop.signal.aborted;
  if (slowFirstByte !== undefined)
    await sleep(systemClock, slowFirstByte.delayMs, { signal: record.stop.signal }).catch(
      () => undefined,
    );
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // An abandoned stream does not stop the run: Dify goes on until it ends or is stopped.
  let open = true;
  res.on('close', () => {
    open = false;
  });
  const write = (text: string): void => {
    if (open) res.write(text);
  };
  write('event: ping\n\n');
  const events = streamEvents(run);
  const stepMs = run.latencyMs / (events.length + 1);
  let sent = 0;
  for (const event of events) {
    if (stopped()) break;
    // Like Dify, the first event (workflow_started, with the task id) comes at once.
    const waitMs = sent === 0 ? (slowChunks?.delayMs ?? 0) : stepMs + (slowChunks?.delayMs ?? 0);
    await sleep(systemClock, waitMs, { signal: record.stop.signal }).catch(() => undefined);
    if (stopped()) break;
    if (malformed) write('data: {"event": "text_chunk", "data": {"text": broken\n\n');
    write(`data: ${JSON.stringify(event)}\n\n`);
    sent += 1;
    if (errorEvent !== undefined) {
      // Dify ends the stream with the error; the run is over, failed.
      finish({ ...run, failed: true });
      write(
        `data: ${JSON.stringify({ event: 'error', task_id: record.taskId, status: 500, code: errorEvent.code ?? 'internal_server_error', message: errorEvent.message ?? '[simulated] the run failed' })}\n\n`,
      );
      if (open) res.end();
      return;
    }
    if (drop !== undefined && sent >= drop.afterEvents && open) {
      open = false;
      res.destroy();
    }
  }
  if (!stopped()) {
    await sleep(systemClock, remainingMs(run), { signal: record.stop.signal }).catch(
      () => undefined,
    );
  }
  finish(run);
  for (const event of finalEvents(run)) write(`data: ${JSON.stringify(event)}\n\n`);
  if (open) res.end();
}
