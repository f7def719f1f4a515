import type { Command } from 'commander';
import type { Cli } from './cli-context.js';

/** `init`: a commented starter configuration. */
export function registerInit(program: Command, cli: Cli): void {
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
}
