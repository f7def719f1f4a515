import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { integer, type Cli } from './cli-context.js';

/** `optimize`: better prompts, proven on held-out cases. */
export function registerOptimize(program: Command, cli: Cli): void {
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
