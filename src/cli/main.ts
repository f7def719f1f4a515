import { Command, CommanderError } from 'commander';
import { AutoOptError } from '../core/autoopt-error.js';
import { TOOL_VERSION } from '../core/tool-version.js';
import { ExitCode, type Cli } from './cli-context.js';
import { registerDemo } from './register-demo.js';
import { registerInit } from './register-init.js';
import { registerOptimize } from './register-optimize.js';
import { registerReport } from './register-report.js';
import { registerRun } from './register-run.js';
import { registerRuns } from './register-runs.js';
import { registerSimulate } from './register-simulate.js';
import { registerValidate } from './register-validate.js';
import { registerView } from './register-view.js';
import { registerWorker } from './register-worker.js';
// Commands load their modules when they run: start-up stays short, and `run` loads only what
// a run needs.

/** Every command, one registration each, in the order `--help` lists them. */
const COMMANDS: readonly ((program: Command, cli: Cli) => void)[] = [
  registerDemo,
  registerRun,
  registerInit,
  registerValidate,
  registerOptimize,
  registerRuns,
  registerReport,
  registerWorker,
  registerSimulate,
  registerView,
];

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
  'E_QUEUE_UNSUPPORTED',
]);

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
  for (const register of COMMANDS) register(program, cli);
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
