import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { LineCounter, parseDocument } from 'yaml';
import { yamlPosition, type TextPosition } from '../core/yaml-position.js';
import { ConfigError, readConfigText, type ConfigProblem } from './config-error.js';
import { configSchema, type Config } from './config-schema.js';
import { substituteEnv } from './env-substitution.js';

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  readonly config: Config;
  /** The configuration file, absolute. */
  readonly file: string;
  /** Its folder: datasets and files are relative to it. */
  readonly dir: string;
  /** Where a key path sits in the file, for problems found after loading (a variant's prompt). */
  readonly locate?: (path: readonly (string | number)[]) => TextPosition | undefined;
}

async function readDotenv(dir: string): Promise<Record<string, string>> {
  try {
    return parseDotenv(await readFile(join(dir, '.env'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/**
 * Parses a configuration text: YAML, then `${VAR}` from `env`, then the schema. Every problem
 * of the file is reported at once, each with its key path, line and column.
 * @throws ConfigError (`E_CONFIG_INVALID`)
 */
export function parseConfig(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Config {
  return parseConfigText(text, file, env).config;
}

/** {@link parseConfig}, and where each key sits in the text. */
function parseConfigText(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Pick<LoadedConfig, 'config' | 'locate'> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        path: '(yaml)',
        file,
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
        message: error.message.split('\n', 1)[0] ?? 'invalid YAML',
      })),
    );
  }
  const problems: ConfigProblem[] = substituteEnv(doc, lines, env, file);
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path =
        issue.code === 'unrecognized_keys'
          ? [...issue.path, ...issue.keys.slice(0, 1)]
          : issue.path;
      const at = yamlPosition(doc, lines, path, { atKey: issue.code === 'unrecognized_keys' });
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown key${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}`
          : issue.message;
      problems.push({
        path: path.map(String).join('.') || '(root)',
        file,
        line: at?.line,
        column: at?.column,
        message,
      });
    }
  }
  if (problems.length > 0 || !parsed.success) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(problems);
  }
  return { config: parsed.data, locate: (path) => yamlPosition(doc, lines, path) };
}

/**
 * Reads a configuration file, taking `${VAR}` from the environment, then from a `.env` file
 * beside it.
 * @throws ConfigError (`E_CONFIG_UNREADABLE` for a missing file, else `E_CONFIG_INVALID`)
 */
export async function loadConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadedConfig> {
  const file = resolve(path);
  const dir = dirname(file);
  const text = await readConfigText(file, '(root)', 'the file');
  const merged = { ...(await readDotenv(dir)), ...env };
  return { ...parseConfigText(text, file, merged), file, dir };
}
