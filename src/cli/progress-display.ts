import type cliProgress from 'cli-progress';
import type { ProgressSnapshot, RunProgress } from '../run/run-progress.js';

/** A duration in seconds with one decimal, `—` when unknown. */
export const seconds = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${(ms / 1000).toFixed(1)}s`;

/** Each worker's count of results, for a distributed run's line. */
function workersPart(workers: ProgressSnapshot['workers']): string {
  if (workers === undefined) return '';
  const counts = Object.entries(workers).map(([name, n]) => `${name} ${n}`);
  return ` · workers ${counts.join(', ')}`;
}

/** One line of a run's progress. */
export function progressLine(s: ProgressSnapshot): string {
  return `${s.done}/${s.total} done · ${s.passed} passed · ${s.failed} failed · ${s.inFlight} in flight · ${s.queued} queued · ${s.backoff} in backoff${s.concurrency === undefined ? '' : ` · concurrency ${s.concurrency}`} · ${seconds(s.elapsedMs)} elapsed · ETA ${seconds(s.etaMs)}${workersPart(s.workers)}`;
}

/**
 * A run's live progress: a bar on a terminal (every 200 ms), a line every 5 s elsewhere (none
 * with `lines: false`). `stop` leaves the bar at the last count.
 */
export class ProgressDisplay {
  readonly #progress: RunProgress;
  readonly #bar: cliProgress.SingleBar | undefined;
  readonly #ticker: NodeJS.Timeout;
  #started = false;

  private constructor(
    progress: RunProgress,
    bar: cliProgress.SingleBar | undefined,
    out: (line: string) => void,
    lines: boolean,
  ) {
    this.#progress = progress;
    this.#bar = bar;
    this.#ticker = setInterval(
      () => {
        const s = progress.snapshot();
        if (bar !== undefined) this.#draw(s);
        else if (lines) out(progressLine(s));
      },
      bar === undefined ? 5000 : 200,
    );
    this.#ticker.unref();
  }

  /** Starts showing `progress`: a bar when `tty` (cli-progress loaded then), else lines. */
  static async start(
    progress: RunProgress,
    options: { readonly tty: boolean; readonly lines: boolean; readonly out: (l: string) => void },
  ): Promise<ProgressDisplay> {
    let bar: cliProgress.SingleBar | undefined;
    if (options.tty && options.lines) {
      const { default: cliProgress } = await import('cli-progress');
      bar = new cliProgress.SingleBar(
        { format: '{bar} {value}/{total} | {line}', hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
    }
    return new ProgressDisplay(progress, bar, options.out, options.lines);
  }

  #draw(s: ProgressSnapshot): void {
    if (!this.#started) this.#bar?.start(s.total, 0, { line: '' });
    this.#started = true;
    this.#bar?.setTotal(s.total);
    this.#bar?.update(s.done, { line: progressLine(s) });
  }

  /** Stops the ticker; the bar shows the final count. */
  stop(): void {
    clearInterval(this.#ticker);
    if (this.#bar === undefined) return;
    const s = this.#progress.snapshot();
    this.#bar.update(s.done, { line: progressLine(s) });
    this.#bar.stop();
  }
}
