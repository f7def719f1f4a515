import type { Command } from 'commander';
import { integer, storeOf, type Cli } from './cli-context.js';

/** `view`: the web viewer over the run store. */
export function registerView(program: Command, cli: Cli): void {
  program
    .command('view')
    .description('browse runs, results, comparisons and optimizations in the browser, live')
    .option('--store <file>', "the run store (default: the project's .dify-autoopt/runs.db)")
    .option('--port <n>', 'port to listen on (0: any free port)', integer(0), 15500)
    .option(
      '--host <host>',
      'address to listen on (another than loopback needs the printed token)',
      '127.0.0.1',
    )
    .option('--open', 'open the page in the browser')
    .action(async (options: { store?: string; port: number; host: string; open?: boolean }) => {
      const { viewCommand } = await import('./view-command.js');
      await viewCommand(
        {
          store: storeOf(options.store),
          port: options.port,
          host: options.host,
          open: options.open === true,
        },
        { signal: cli.signal, out: cli.io.out },
      );
    });
}
