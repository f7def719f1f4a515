import type { Command } from 'commander';
import { ExitCode, integer, storeOf, type Cli } from './cli-context.js';

/** `runs delete` and `runs prune`: what the store keeps. */
export function registerRunsDeletion(runs: Command, cli: Cli): void {
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

/** `runs`: the run store read, compared, cleaned and pruned. */
export function registerRuns(program: Command, cli: Cli): void {
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
}
