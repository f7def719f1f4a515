import type { ResultRecord, RunStore } from '../store/run-store.js';

/** Where a run's results go as their cases end. */
export interface ResultSink {
  write(record: ResultRecord): void;
  /** Writes now whatever waits (the end of a run). */
  flush(): void;
}

/**
 * The run store as a sink: results that end in the same turn of the event loop are committed
 * together at its end (one commit for all, and still stored before anything else runs), then
 * handed to `onCommit`. A write the store refuses goes to `onFailure`, once; nothing more is
 * written after it.
 */
export function storeSink(
  store: RunStore,
  runId: string,
  options: {
    readonly onCommit?: ((record: ResultRecord) => void) | undefined;
    readonly onFailure: (error: Error) => void;
  },
): ResultSink {
  const ended: ResultRecord[] = [];
  let queued = false;
  let failed = false;
  const flush = (): void => {
    queued = false;
    if (ended.length === 0 || failed) return;
    const batch = ended.splice(0);
    try {
      store.saveResults(runId, batch);
    } catch (error) {
      failed = true;
      options.onFailure(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (options.onCommit !== undefined) for (const record of batch) options.onCommit(record);
  };
  return {
    write: (record) => {
      ended.push(record);
      if (!queued) {
        queued = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** Keeps every record in memory, in the order they came (the optimizer reflects on them). */
export function memorySink(): ResultSink & { readonly records: readonly ResultRecord[] } {
  const records: ResultRecord[] = [];
  return {
    records,
    write: (record) => {
      records.push(record);
    },
    flush: () => undefined,
  };
}

/** Every record to each sink, in order. */
export function teeSink(...sinks: readonly ResultSink[]): ResultSink {
  return {
    write: (record) => {
      for (const sink of sinks) sink.write(record);
    },
    flush: () => {
      for (const sink of sinks) sink.flush();
    },
  };
}
