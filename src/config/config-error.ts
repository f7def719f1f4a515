import { readFile } from 'node:fs/promises';
import { AutoOptError, type AutoOptErrorOptions } from '../core/autoopt-error.js';

/** One problem of a configuration: which key, where in which file, and what is wrong. */
export interface ConfigProblem {
  /** The key path, dotted: `workflows.0.api_key`; `(root)` for the whole file. */
  readonly path: string;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly message: string;
}

function where(problem: ConfigProblem): string {
  const place = [problem.file, problem.line, problem.column]
    .filter((p) => p !== undefined)
    .join(':');
  return `${place}: ${problem.path}: ${problem.message}`;
}

/**
 * A configuration that cannot be used, with every problem found in it at once.
 * `code` is `E_CONFIG_INVALID`, or `E_CONFIG_UNREADABLE` when the file cannot be read at all.
 */
export class ConfigError extends AutoOptError {
  readonly problems: readonly ConfigProblem[];

  constructor(
    problems: readonly ConfigProblem[],
    code: 'E_CONFIG_INVALID' | 'E_CONFIG_UNREADABLE' = 'E_CONFIG_INVALID',
    options: AutoOptErrorOptions = {},
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(code, `configuration has ${count}:\n${problems.map(where).join('\n')}`, options);
    this.problems = problems;
  }
}

/**
 * Reads a text file the configuration names.
 * @throws ConfigError (`E_CONFIG_UNREADABLE`) saying which file, as which key, and the system's code.
 */
export async function readConfigText(file: string, key: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      [
        {
          path: key,
          file,
          line: undefined,
          column: undefined,
          message: `cannot read ${what} (${code})`,
        },
      ],
      'E_CONFIG_UNREADABLE',
      { cause: error },
    );
  }
}
