import type { Command } from 'commander';
import { collect, storeOf, type Cli } from './cli-context.js';

/** `report`: reports of a stored run. */
export function registerReport(program: Command, cli: Cli): void {
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
