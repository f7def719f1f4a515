import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type cliProgress from 'cli-progress';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { TOOL_VERSION } from '../core/tool-version.js';
import { RunProgress, type ProgressSnapshot } from '../run/run-progress.js';
import { runSuite } from '../run/run-suite.js';
import type { DifySimulator } from '../simulator/simulator-server.js';
import { loadRunReport, type RunReport } from '../report/run-report.js';
import { variantLines } from '../report/variant-lines.js';
import { reportFormatOf } from '../report/write-report.js';
import { RunStore } from '../store/run-store.js';
import { HeapGuard, lazyFullCollection } from './heap-guard.js';
import { writeRunReports } from './report-command.js';

/** The `run` command's options, as parsed. */
export interface RunCommandOptions {
  readonly config: string;
  readonly concurrency?: number;
  readonly filter?: string;
  readonly repeat?: number;
  readonly resume?: string;
  readonly retryErrors?: string;
  readonly failUnder?: number;
  /** Report files, each format from its extension. */
  readonly output?: readonly string[];
  readonly progress: boolean;
  readonly quiet: boolean;
}

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly isTty: boolean;
}

const seconds = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${(ms / 1000).toFixed(1)}s`;

function progressLine(s: ProgressSnapshot): string {
  return `${s.done}/${s.total} done · ${s.passed} passed · ${s.failed} failed · ${s.inFlight} in flight · ${s.queued} queued · ${s.backoff} in backoff${s.concurrency === undefined ? '' : ` · concurrency ${s.concurrency}`} · ${seconds(s.elapsedMs)} elapsed · ETA ${seconds(s.etaMs)}`;
}

/** The built-in simulator, and how to log in to its console. */
interface BuiltIn {
  readonly simulator: DifySimulator;
  readonly console: { readonly baseUrl: string; readonly email: string; readonly password: string };
}

/** Starts the built-in simulator with the config's workflows as its apps. */
async function startSimulator(loaded: LoadedConfig): Promise<BuiltIn> {
  const apps = loaded.config.workflows.map((workflow) => ({
    id: workflow.id,
    api_key: workflow.api_key,
    dsl: workflow.simulator?.dsl ?? '',
    ...(workflow.simulator?.behaviour === undefined
      ? {}
      : { behaviour: workflow.simulator.behaviour }),
  }));
  const { resolveSimulatorConfig } = await import('../simulator/simulator-config.js');
  const { DifySimulator } = await import('../simulator/simulator-server.js');
  const resolved = await resolveSimulatorConfig({ apps }, loaded.dir);
  const simulator = await DifySimulator.start({ ...resolved });
  const { email, password } = resolved.config.console;
  return { simulator, console: { baseUrl: simulator.url, email, password } };
}

/** The grading part of the summary: per assertion, the grade classes, pass@k. */
function formatGrading(report: RunReport): string[] {
  const { statistics } = report;
  const lines = [`  grade      ${statistics.overall.grade}`];
  for (const a of statistics.perAssertion)
    lines.push(
      `  assert     ${a.name}: ${a.passed}/${a.graded} passed, mean score ${a.meanScore.toFixed(2)}${a.errors > 0 ? `, ${a.errors} could not be graded` : ''}`,
    );
  lines.push(...variantLines(statistics.variants));
  if (statistics.repeats !== undefined)
    lines.push(
      `  pass@k     ${statistics.repeats.passAtK.map((p) => `@${p.k} ${(p.value * 100).toFixed(1)}%`).join(', ')}`,
    );
  return lines;
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
  const store = RunStore.open(resolve(loaded.config.store.path));
  const builtIn =
    loaded.config.dify.base_url === 'simulator' ? await startSimulator(loaded) : undefined;
  const simulator = builtIn?.simulator;
  const progress = new RunProgress();
  // JSONL: one line per result the moment it is stored, so a report exists during the run;
  // rewritten complete and in case order when the run ends.
  const streamed = outputs.find((file) => reportFormatOf(file) === 'jsonl');
  const jsonl: WriteStream | undefined =
    streamed === undefined ? undefined : createWriteStream(streamed, { flags: 'w' });
  let bar: cliProgress.SingleBar | undefined;
  let ticker: NodeJS.Timeout | undefined;
  try {
    if (!options.quiet && options.progress && io.isTty) {
      const { default: cliProgress } = await import('cli-progress');
      bar = new cliProgress.SingleBar(
        { format: '{bar} {value}/{total} | {line}', hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
    }
    if (!options.quiet) {
      if (simulator !== undefined) io.out(`using the built-in Dify simulator on ${simulator.url}`);
      let started = false;
      ticker = setInterval(
        () => {
          const s = progress.snapshot();
          if (bar !== undefined) {
            if (!started) bar.start(s.total, 0, { line: '' });
            started = true;
            bar.setTotal(s.total);
            bar.update(s.done, { line: progressLine(s) });
          } else if (options.progress) {
            io.out(progressLine(s));
          }
        },
        bar === undefined ? 5000 : 200,
      );
      ticker.unref();
    }
    // A long run's memory stays near what is alive (see HeapGuard).
    const heapGuard = new HeapGuard({ collect: lazyFullCollection() });
    const summary = await runSuite({
      loaded,
      store,
      toolVersion: TOOL_VERSION,
      apiBase: simulator?.apiBase,
      console: builtIn?.console,
      concurrency: options.concurrency,
      filter: options.filter,
      repeat: options.repeat,
      resume: options.resume,
      retryErrors: options.retryErrors,
      signal,
      progress,
      onResult: (record) => {
        heapGuard.onResult();
        if (jsonl !== undefined) jsonl.write(`${JSON.stringify(record)}\n`);
      },
    });
    if (ticker !== undefined) clearInterval(ticker);
    bar?.update(progress.snapshot().done, { line: progressLine(progress.snapshot()) });
    bar?.stop();
    if (jsonl !== undefined) await new Promise((resolveEnd) => jsonl.end(resolveEnd));
    const { files, report } = await writeRunReports(store, summary.runId, outputs, {
      formats: loaded.config.output.formats,
      dir: resolve(loaded.dir, loaded.config.output.dir),
    });
    if (!options.quiet) {
      const counts =
        Object.entries(summary.byStatus)
          .map(([status, n]) => `${status} ${n}`)
          .join(', ') || 'nothing ran';
      io.out(
        `run ${summary.runId}: ${summary.status}${summary.reason === undefined ? '' : ` (${summary.reason})`}`,
      );
      io.out(`  cases      ${summary.total}: ${counts}`);
      io.out(`  pass rate  ${(summary.passRate * 100).toFixed(1)}%`);
      for (const [workflow, w] of Object.entries(summary.perWorkflow))
        io.out(`  ${workflow}: ${w.passed}/${w.total} passed`);
      io.out(`  tokens     ${summary.totalTokens}, cost ${summary.totalCost.toFixed(6)}`);
      io.out(`  wall time  ${seconds(summary.wallMs)}`);
      if (summary.judge !== undefined)
        io.out(
          `  judge      ${summary.judge.calls} calls, ${summary.judge.cached} from the cache, ${summary.judge.failed} failed`,
        );
      const graded =
        loaded.config.default_assert.length > 0 ||
        loaded.config.workflows.some((w) => w.assert.length > 0 || w.variants !== undefined);
      if (graded)
        for (const line of formatGrading(
          report ?? loadRunReport(store, summary.runId, { compareWith: false }),
        ))
          io.out(line);
      for (const file of files) io.out(`  report     ${file}`);
    }
    if (summary.status === 'stopped') io.err(`run stopped: ${summary.reason ?? 'no reason given'}`);
    if (summary.status === 'interrupted' || summary.status === 'stopped') {
      io.err(`resume with: dify-autoopt run -c ${options.config} --resume ${summary.runId}`);
      for (const sandbox of summary.sandboxes)
        io.err(`sandbox app ${sandbox.appId} (${sandbox.name}) kept for --resume`);
      if (summary.sandboxes.length > 0 && simulator === undefined)
        io.err(`delete it with: dify-autoopt runs clean ${summary.runId} -c ${options.config}`);
    }
    if (summary.status === 'interrupted') return 130;
    if (summary.status === 'stopped') return 1;
    if (options.failUnder !== undefined && summary.passRate < options.failUnder) {
      io.err(
        `pass rate ${(summary.passRate * 100).toFixed(1)}% is under --fail-under ${(options.failUnder * 100).toFixed(1)}%`,
      );
      return 1;
    }
    return 0;
  } finally {
    if (jsonl !== undefined && !jsonl.closed)
      await new Promise((resolveEnd) => jsonl.end(resolveEnd));
    if (ticker !== undefined) clearInterval(ticker);
    bar?.stop();
    store.close();
    await simulator?.close();
  }
}
