import type { Command } from 'commander';
import { ExitCode, type Cli } from './cli-context.js';

/** `validate`: a configuration checked, all problems at once. */
export function registerValidate(program: Command, cli: Cli): void {
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
