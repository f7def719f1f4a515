import { existsSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { defaultStorePath } from '../config/store-location.js';
import { AutoOptError } from '../core/autoopt-error.js';
import { TOOL_VERSION } from '../core/tool-version.js';
// Commands load their modules when they run: start-up stays short, and `run` loads only what
// a run needs.

// Errors that mean the user's input is wrong: exit code 2.
const BAD_INPUT_CODES = new Set([
  'E_POLICY_INVALID',
  'E_SIMULATOR_CONFIG',
  'E_DSL_INVALID',
  'E_CONFIG_INVALID',
  'E_CONFIG_UNREADABLE',
  'E_RUN_NOT_FOUND',
  'E_RESUME_MISMATCH',
  'E_NO_STORE',
  'E_PORT_IN_USE',
  'E_REPORT_FORMAT',
  'E_ASSERTION_INVALID',
  'E_OPTIMIZE_CONFIG',
  'E_OPTIMIZE_TARGET',
  'E_OPTIMIZE_NOT_FOUND',
  'E_OPTIMIZE_TOO_FEW_CASES',
  'E_OPTIMIZE_BUDGET',
  'E_PROMPT_UNKNOWN',
]);

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

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

/**
 * The run store `runs` and `report` read: `--store`, else the project's (found from the current
 * folder, as a run finds it from its configuration's).
 * @throws AutoOptError (`E_NO_STORE`) when there is none yet, saying how one is made.
 */
function storeOf(option: string | undefined): string {
  const path = option ?? defaultStorePath();
  if (!existsSync(path))
    throw new AutoOptError(
      'E_NO_STORE',
      `no run store at ${path} yet: dify-autoopt run -c <config> makes it (or pass --store <file>)`,
    );
  return path;
}

/** Exit codes of the CLI. */
export const ExitCode = { Ok: 0, Failed: 1, BadInput: 2, Interrupted: 130 } as const;

function integer(min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
    }
    return parsed;
  };
}

function fraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return parsed;
}

/**
 * Runs the CLI with `argv` (as in process.argv) and returns the exit code. The only place that
 * maps errors to exit codes and wires SIGINT.
 */
export async function main(
  argv: readonly string[],
  io: { readonly out: (text: string) => void; readonly err: (text: string) => void } = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
): Promise<number> {
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) process.exit(ExitCode.Interrupted);
    io.err('interrupted: finishing what is in flight (Ctrl-C again to quit at once)');
    interrupt.abort();
  };
  let exitCode: number = ExitCode.Ok;
  const program = new Command('dify-autoopt')
    .description('Test and optimize Dify apps.')
    .version(TOOL_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        io.out(s.trimEnd());
      },
      writeErr: (s) => {
        io.err(s.trimEnd());
      },
    });
  const cli: Cli = {
    io,
    signal: interrupt.signal,
    exit: (code) => {
      exitCode = code;
    },
  };
  registerDemo(program, cli);
  registerRun(program, cli);
  registerOptimize(program, cli);
  registerRuns(program, cli);
  registerSimulate(program, cli);
  process.on('SIGINT', onSigint);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      io.err(`error: ${(error as Error).message} (init never overwrites a file)`);
      return ExitCode.BadInput;
    }
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
    }
    if (error instanceof AutoOptError) {
      io.err(`error ${error.code}: ${error.message}`);
      if (error.code === 'E_CONFIG_INVALID' || error.code === 'E_CONFIG_UNREADABLE')
        return ExitCode.BadInput;
      return BAD_INPUT_CODES.has(error.code) ? ExitCode.BadInput : ExitCode.Failed;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** What every command's action needs: output, Ctrl-C, and how to set the exit code. */
interface Cli {
  readonly io: { readonly out: (text: string) => void; readonly err: (text: string) => void };
  readonly signal: AbortSignal;
  readonly exit: (code: number) => void;
}

/** `demo`: the executor alone. */
function registerDemo(program: Command, cli: Cli): void {
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

/** `run`, `init` and `validate`: a configuration's suite. */
function registerRun(program: Command, cli: Cli): void {
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
  program
    .command('init')
    .description('write a commented starter configuration')
    .argument('[file]', 'where to write it', 'dify-autoopt.yaml')
    .action(async (file: string) => {
      const { initConfig } = await import('./init-command.js');
      await initConfig(file);
      cli.io.out(
        `wrote ${file}: fill in your Dify address and API key, then run dify-autoopt run -c ${file}`,
      );
    });
  program
    .command('validate')
    .description(
      'check a configuration and its cases; --remote also checks inputs against each app',
    )
    .requiredOption('-c, --config <file>', 'the configuration file')
    .option('--remote', "check each case's inputs against the app's /v1/parameters")
    .action(async (options: { config: string; remote?: boolean }) => {
      const { validateCommand } = await import('./validate-command.js');
      const problems = await validateCommand(
        { config: options.config, remote: options.remote === true },
        cli.signal,
        cli.io.out,
      );
      if (problems > 0) cli.exit(ExitCode.BadInput);
    });
}

/** `runs` and `report`: the run store read. */
/** `optimize`: better prompts, proven on held-out cases. */
function registerOptimize(program: Command, cli: Cli): void {
  program
    .command('optimize')
    .description(
      "improve a workflow's prompts on a sandbox copy of the app, proven on held-out cases",
    )
    .requiredOption('-c, --config <file>', 'the configuration file')
    .option('--workflow <id>', 'the workflow to optimize (needed when there are several)')
    .option('--strategy <name>', 'reflective (the default), random or greedy', strategy)
    .option(
      '--budget-runs <n>',
      'Dify runs at most (overrides optimization.budget.runs)',
      integer(1),
    )
    .option(
      '--seed <n>',
      'seeds the split and the search (overrides optimization.split.seed)',
      integer(0),
    )
    .option('-o, --output <dir>', 'where the files go (default: optimizations/<id>/)')
    .option('--apply', "write the accepted prompts into the app's draft (checked unchanged first)")
    .option('--publish', 'apply, then publish the app')
    .option(
      '--resume <optimization-id>',
      'continue an interrupted optimization; nothing finished runs again',
    )
    .option('--json', 'print the result as JSON on stdout')
    .action(
      async (options: {
        config: string;
        workflow?: string;
        strategy?: 'reflective' | 'random' | 'greedy';
        budgetRuns?: number;
        seed?: number;
        output?: string;
        apply?: boolean;
        publish?: boolean;
        resume?: string;
        json?: boolean;
      }) => {
        const { optimizeCommand } = await import('./optimize-command.js');
        cli.exit(
          await optimizeCommand(
            {
              ...options,
              apply: options.apply === true,
              publish: options.publish === true,
              json: options.json === true,
            },
            cli.signal,
            cli.io,
          ),
        );
      },
    );
}

function strategy(value: string): 'reflective' | 'random' | 'greedy' {
  if (value !== 'reflective' && value !== 'random' && value !== 'greedy')
    throw new InvalidArgumentError('must be reflective, random or greedy');
  return value;
}

/** `runs delete` and `runs prune`: what the store keeps. */
function registerRunsDeletion(runs: Command, cli: Cli): void {
  const remove = async (
    store: string,
    which: { readonly ids: readonly string[] } | { readonly keep: number },
  ): Promise<void> => {
    const { deleteRuns } = await import('./runs-command.js');
    const { lines, ok } = deleteRuns(store, which);
    for (const line of lines) cli.io.out(line);
    if (!ok) cli.exit(ExitCode.BadInput);
  };
  runs
    .command('delete')
    .description('delete runs and all they hold from the store')
    .argument('<run-id...>')
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .action((ids: string[], options: { store?: string }) =>
      remove(storeOf(options.store), { ids }),
    );
  runs
    .command('prune')
    .description('delete all but the newest runs')
    .option('--keep <n>', 'how many of the newest runs to keep', integer(0), 50)
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .action((options: { keep: number; store?: string }) =>
      remove(storeOf(options.store), { keep: options.keep }),
    );
}

function registerRuns(program: Command, cli: Cli): void {
  const runs = program.command('runs').description('read the run store');
  registerRunsDeletion(runs, cli);
  runs
    .command('list')
    .description('the latest runs')
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .action(async (options: { store?: string }) => {
      const { listRuns } = await import('./runs-command.js');
      listRuns(storeOf(options.store), cli.io.out);
    });
  runs
    .command('show')
    .description('one run and its results')
    .argument('<run-id>')
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .action(async (runId: string, options: { store?: string }) => {
      const { showRun } = await import('./runs-command.js');
      const store = storeOf(options.store);
      if (!showRun(store, runId, cli.io.out)) {
        cli.io.err(`no run ${runId} in ${store}`);
        cli.exit(ExitCode.BadInput);
      }
    });
  runs
    .command('clean')
    .description('delete the sandbox copies of apps a run left in the console')
    .argument('<run-id>')
    .requiredOption('-c, --config <file>', 'the configuration (its dify section logs in)')
    .option('--store <file>', "the run store (default: the configuration's)")
    .action(async (runId: string, options: { config: string; store?: string }) => {
      const { cleanCommand } = await import('./clean-command.js');
      if ((await cleanCommand({ ...options, runId }, cli.signal, cli.io.out)) > 0)
        cli.exit(ExitCode.Failed);
    });
  runs
    .command('compare')
    .description(
      'what changed from run a to run b: regressions, improvements, pass rate, latency, cost',
    )
    .argument('<a>', 'the base run')
    .argument('<b>', 'the run to compare with it')
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .option('--json', 'print the comparison as JSON')
    .action(async (a: string, b: string, options: { store?: string; json?: boolean }) => {
      const { compareCommand } = await import('./report-command.js');
      compareCommand(storeOf(options.store), a, b, { json: options.json === true }, cli.io.out);
    });
  program
    .command('report')
    .description('write reports of a stored run')
    .argument('<run-id>')
    .requiredOption(
      '-o, --output <file>',
      'the report: .json, .jsonl, .csv, .xlsx, .html or .xml (JUnit); repeatable',
      collect,
    )
    .option(
      '--compare <run-id>',
      'compare with this run (default: the previous run of the same config)',
    )
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .action(
      async (runId: string, options: { output: string[]; compare?: string; store?: string }) => {
        const { reportCommand } = await import('./report-command.js');
        await reportCommand(storeOf(options.store), runId, options, cli.io.out);
      },
    );
}

/** `simulate`: the Dify simulator as a server. */
function registerSimulate(program: Command, cli: Cli): void {
  program
    .command('simulate')
    .description('serve the built-in Dify simulator (public and console API) on loopback')
    .requiredOption('--apps <file>', 'the apps YAML file (see examples/simulator-apps.yaml)')
    .option('-p, --port <n>', 'port to listen on (0: any free port)', integer(0), 5001)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { apps: string; port: number; host: string }) => {
      const { runSimulate } = await import('./simulate-command.js');
      await runSimulate(options, { signal: cli.signal, out: cli.io.out });
    });
}
