import type { Command } from 'commander';
import { ExitCode, fraction, integer, type Cli } from './cli-context.js';

/** `demo`: the executor alone. */
export function registerDemo(program: Command, cli: Cli): void {
  program
    .command('demo')
    .description(
      'run the executor against a built-in flaky, rate-limited stand-in target (offline)',
    )
    .option('-n, --cases <n>', 'test cases to run', integer(1), 200)
    .option('-j, --concurrency <n>', 'tasks in flight at most', integer(1), 20)
    .option('--per-minute <n>', 'rate limit: attempts started per minute', integer(1))
    .option('--latency-ms <ms>', 'mean latency of the stand-in target', integer(0), 50)
    .option('--failure-rate <p>', 'share of attempts that fail transiently', fraction, 0.1)
    .option('--seed <n>', 'random seed, for a repeatable run', integer(0), 1)
    .action(
      async (options: {
        cases: number;
        concurrency: number;
        perMinute?: number;
        latencyMs: number;
        failureRate: number;
        seed: number;
      }) => {
        cli.io.out(`running ${options.cases} cases at concurrency ${options.concurrency}…`);
        const { runDemo } = await import('./demo-command.js');
        const { formatStatistics } = await import('./format-statistics.js');
        const result = await runDemo(
          { ...options, perMinute: options.perMinute },
          { signal: cli.signal, onProgress: cli.io.out },
        );
        cli.io.out(formatStatistics(result));
        if (cli.signal.aborted) cli.exit(ExitCode.Interrupted);
        else if (result.statistics.byStatus.succeeded < result.statistics.total)
          cli.exit(ExitCode.Failed);
      },
    );
}
