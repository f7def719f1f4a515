import type { Command } from 'commander';
import { integer, type Cli } from './cli-context.js';

/** `simulate`: the Dify simulator as a server. */
export function registerSimulate(program: Command, cli: Cli): void {
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
