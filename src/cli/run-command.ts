import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { storePathOf } from '../config/store-location.js';
import { redactUrl } from '../core/redact-url.js';
import { loadConfig } from '../config/load-config.js';
import { TOOL_VERSION } from '../core/tool-version.js';
import { RunProgress } from '../run/run-progress.js';
import { runSuite, type RunSuiteOptions, type SuiteSummary } from '../run/run-suite.js';
import { failureGroups, failureLines } from '../report/failure-summary.js';
import { loadRunReport } from '../report/run-report.js';
import { reportFormatOf } from '../report/write-report.js';
import { RunStore } from '../store/run-store.js';
import { startSimulator } from '../run/built-in-simulator.js';
import { HeapGuard, lazyFullCollection } from './heap-guard.js';
import { ending, isGraded, summaryLines } from './print-summary.js';
import { ProgressDisplay } from './progress-display.js';
import { writeRunReports } from './report-command.js';

/** The `run` command's options, as parsed. */
export interface RunCommandOptions {
  readonly config: string;
  readonly concurrency?: number;
  readonly filter?: string;
  readonly repeat?: number;
  readonly resume?: string;
  readonly force?: boolean;
  readonly retryErrors?: string;
  readonly failUnder?: number;
  /** Report files, each format from its extension. */
  readonly output?: readonly string[];
  readonly progress: boolean;
  readonly quiet: boolean;
  /** `--queue URL`: the cases run on workers; this process coordinates. */
  readonly queue?: string;
}

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly isTty: boolean;
}

/** The JSONL report streamed during the run, if one is asked for; its folder made if missing. */
function openJsonl(outputs: readonly string[]): WriteStream | undefined {
  const streamed = outputs.find((file) => reportFormatOf(file) === 'jsonl');
  if (streamed === undefined) return undefined;
  mkdirSync(dirname(resolve(streamed)), { recursive: true });
  return createWriteStream(streamed, { flags: 'w' });
}

/**
 * `dify-autoopt run`: runs the suite with live progress, prints the summary, writes the report,
 * and returns the exit code (0 passed, 1 under --fail-under or stopped, 130 interrupted).
 */
export async function runCommand(
  options: RunCommandOptions,
  signal: AbortSignal,
  io: Io,
): Promise<number> {
  const loaded = await loadConfig(options.config);
  const outputs = options.output ?? [];
  // A report name with no format is refused before anything runs.
  for (const file of outputs) reportFormatOf(file);
  const storePath = storePathOf(loaded);
  const store = RunStore.open(storePath);
  const builtIn =
    loaded.config.dify.base_url === 'simulator' ? await startSimulator(loaded) : undefined;
  const simulator = builtIn?.simulator;
  const progress = new RunProgress();
  // JSONL: one line per result the moment it is stored, so a report exists during the run;
  // rewritten complete and in case order when the run ends.
  const jsonl = openJsonl(outputs);
  let display: ProgressDisplay | undefined;
  try {
    if (!options.quiet) {
      if (simulator !== undefined) io.out(`using the built-in Dify simulator on ${simulator.url}`);
      display = await ProgressDisplay.start(progress, {
        tty: io.isTty,
        lines: options.progress,
        out: io.out,
      });
    }
    // A long run's memory stays near what is alive (see HeapGuard).
    const heapGuard = new HeapGuard({ collect: lazyFullCollection() });
    const suite: RunSuiteOptions = {
      loaded,
      store,
      toolVersion: TOOL_VERSION,
      apiBase: simulator?.apiBase,
      console: builtIn?.console,
      concurrency: options.concurrency,
      filter: options.filter,
      repeat: options.repeat,
      resume: options.resume,
      force: options.force,
      retryErrors: options.retryErrors,
      signal,
      progress,
      onResult: (record) => {
        heapGuard.onResult();
        if (jsonl !== undefined) jsonl.write(`${JSON.stringify(record)}\n`);
      },
    };
    const summary = await (options.queue === undefined
      ? runSuite(suite)
      : runOnWorkers(suite, options.queue, options.quiet ? { ...io, err: () => undefined } : io));
    display?.stop();
    if (jsonl !== undefined) await new Promise((resolveEnd) => jsonl.end(resolveEnd));
    const { files, report } = await writeRunReports(store, summary.runId, outputs, {
      formats: loaded.config.output.formats,
      dir: resolve(loaded.dir, loaded.config.output.dir),
    });
    if (!options.quiet) {
      const graded = isGraded(loaded.config)
        ? (report ?? loadRunReport(store, summary.runId, { compareWith: false }))
        : undefined;
      for (const line of summaryLines(summary, graded, files)) io.out(line);
      // Why, on screen: the failures grouped by cause, the first of each, and where the rest are.
      for (const line of failureLines(failureGroups(store.results(summary.runId)), {
        runId: summary.runId,
        store: relative(process.cwd(), storePath) || storePath,
      }))
        io.out(line);
    }
    const end = ending(summary, { ...options, simulated: simulator !== undefined });
    for (const line of end.lines) io.err(line);
    return end.code;
  } finally {
    if (jsonl !== undefined && !jsonl.closed)
      await new Promise((resolveEnd) => jsonl.end(resolveEnd));
    display?.stop();
    store.close();
    await simulator?.close();
  }
}

/** `run --queue`: the coordinator; each worker's count of results printed at the end. */
async function runOnWorkers(
  suite: RunSuiteOptions,
  queueUrl: string,
  io: Io,
): Promise<SuiteSummary> {
  // Loaded only for a distributed run: BullMQ and ioredis are large.
  const { coordinateRun } = await import('../run/run-coordinator.js');
  const shown = redactUrl(queueUrl);
  io.err(`coordinating on ${shown}: start workers with dify-autoopt worker --redis ${shown}`);
  const summary = await coordinateRun({ ...suite, queueUrl });
  const workers = Object.entries(summary.workers)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  if (workers !== '') io.err(`workers: ${workers}`);
  return summary;
}
