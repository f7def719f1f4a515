import { hostname } from 'node:os';
import type { Command } from 'commander';
import { integer, type Cli } from './cli-context.js';

/** `worker`: takes cases from a distributed run's queue. */
export function registerWorker(program: Command, cli: Cli): void {
  program
    .command('worker')
    .description('take cases from the queue of runs started with run --queue, until Ctrl-C')
    .requiredOption('--redis <url>', "the queue's Redis, e.g. redis://127.0.0.1:6379")
    .option('-j, --concurrency <n>', 'cases in flight at most in this worker', integer(1), 10)
    .option('--name <name>', 'how the coordinator and runs show name this worker')
    .option(
      '--lock-duration <ms>',
      "how long a case stays this worker's without a sign of life (then another may take it)",
      integer(1000),
      30_000,
    )
    .option(
      '--stalled-interval <ms>',
      'how often lapsed locks are looked for',
      integer(500),
      15_000,
    )
    .action(
      async (options: {
        redis: string;
        concurrency: number;
        name?: string;
        lockDuration: number;
        stalledInterval: number;
      }) => {
        // Loaded only by workers: BullMQ and ioredis are large.
        const { runWorker } = await import('../run/run-worker.js');
        await runWorker({
          redisUrl: options.redis,
          concurrency: options.concurrency,
          name: options.name ?? `${hostname()}-${process.pid}`,
          signal: cli.signal,
          log: cli.io.err,
          locks: {
            lockDurationMs: options.lockDuration,
            stalledIntervalMs: options.stalledInterval,
          },
        });
      },
    );
}
