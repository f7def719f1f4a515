// What every command's registration shares: its output and Ctrl-C, exit codes, option parsers.
import { existsSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { defaultStorePath } from '../config/store-location.js';
import { AutoOptError } from '../core/autoopt-error.js';

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The run store `runs` and `report` read: `--store`, else the project's (found from the current
 * folder, as a run finds it from its configuration's).
 * @throws AutoOptError (`E_NO_STORE`) when there is none yet, saying how one is made.
 */
export function storeOf(option: string | undefined): string {
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

/** Parses an integer option of at least `min`. */
export function integer(min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
    }
    return parsed;
  };
}

/** Parses a fraction option, 0 to 1. */
export function fraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return parsed;
}

/** What every command's action needs: output, Ctrl-C, and how to set the exit code. */
export interface Cli {
  readonly io: { readonly out: (text: string) => void; readonly err: (text: string) => void };
  readonly signal: AbortSignal;
  readonly exit: (code: number) => void;
}
