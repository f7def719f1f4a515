import type { Command } from 'commander';
import { collect, fraction, integer, type Cli } from './cli-context.js';

/** `run --help`'s account of its exit codes. */
const RUN_EXIT_HELP = [
  '',
  'Exit codes:',
  '  0    every case passed (or the pass rate met --fail-under)',
  '  1    some case failed or errored, the pass rate is under --fail-under, or Dify stopped the run',
  '  2    bad input: a configuration error, an unknown run, a bad option',
  '  3    nothing ran: no case, or --filter matched none',
  '  130  interrupted (Ctrl-C); the resume command is printed',
].join('\n');

/** `run`: a configuration's suite, graded and stored. */
export function registerRun(program: Command, cli: Cli): void {
  program
    .command('run')
    .description('run the suite of a configuration against Dify (or the built-in simulator)')
    .requiredOption('-c, --config <file>', 'the configuration file')
    .option(
      '-j, --concurrency <n>',
      'cases in flight at most (overrides execution.concurrency)',
      integer(1),
    )
    .option('--filter <text>', 'only cases whose id or workflow id contains this text')
    .option('--repeat <k>', 'run each case k times (overrides repeat)', integer(1))
    .option('--resume <run-id>', 'continue an interrupted run; finished cases are not run again')
    .option('--force', "with --resume: add this configuration's cases the run does not have")
    .option(
      '--retry-errors <run-id>',
      'run again only the failed, timed-out and errored cases of a run',
    )
    .option('--fail-under <rate>', 'exit 1 when the pass rate is under this (0..1)', fraction)
    .option(
      '-o, --output <file>',
      'write a report: .json, .jsonl (streamed), .csv, .xlsx, .html or .xml (JUnit); repeatable',
      collect,
    )
    .option(
      '--queue <url>',
      'run the cases on workers through this Redis (dify-autoopt worker --redis <url>)',
    )
    .option('--no-progress', 'no live progress')
    .option('--quiet', 'print nothing but errors')
    .addHelpText('after', RUN_EXIT_HELP)
    .action(
      async (options: {
        config: string;
        concurrency?: number;
        filter?: string;
        repeat?: number;
        resume?: string;
        force?: boolean;
        retryErrors?: string;
        failUnder?: number;
        output?: string[];
        progress: boolean;
        quiet?: boolean;
        queue?: string;
      }) => {
        const { runCommand } = await import('./run-command.js');
        cli.exit(
          await runCommand({ ...options, quiet: options.quiet === true }, cli.signal, {
            ...cli.io,
            isTty: process.stdout.isTTY,
          }),
        );
      },
    );
}
