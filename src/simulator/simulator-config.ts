import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod/mini';
import { AutoOptError } from '../core/autoopt-error.js';
import { atLeast, between, count, nonEmpty } from '../core/schema-parts.js';
import { yamlPosition } from '../core/yaml-position.js';

/** A simulator apps file that cannot be used: which file, key, line and column. */
export class SimulatorConfigError extends AutoOptError {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('E_SIMULATOR_CONFIG', message, options);
  }
}

const share = () => z._default(between(0, 1), 0);

const latencySchema = z.union([
  z.pipe(
    atLeast(0),
    z.transform((ms) => ({ minMs: ms, maxMs: ms })),
  ),
  z.pipe(
    z.strictObject({ min: atLeast(0), max: atLeast(0) }),
    z.transform((r) => ({ minMs: r.min, maxMs: Math.max(r.min, r.max) })),
  ),
]);

const taskRuleSchema = z.strictObject({
  kind: nonEmpty(),
  instruction: nonEmpty(),
  gain: z._default(between(0, 1), 0.6),
  /** Kinds this instruction hurts (it conflicts with what they need). */
  hurts: z._default(z.array(nonEmpty()), []),
  penalty: z._default(between(0, 1), 0.3),
  /** Only this node's prompt counts. */
  node: z.optional(nonEmpty()),
});

/** An app whose answers depend on its prompts as a real task's do (see `task-model.ts`). */
const taskSchema = z.strictObject({
  /** The input variable that says a case's kind. */
  input: z._default(nonEmpty(), 'kind'),
  base: z._default(between(0, 1), 0.2),
  temperature: z._default(between(0, 1), 0.1),
  rules: z.array(taskRuleSchema).check(z.minLength(1)),
});

const behaviourSchema = z.strictObject({
  /** Latency of a run, in ms: a number, or `{min, max}` drawn uniformly. */
  latency_ms: z.prefault(latencySchema, 20),
  /** Share of runs that answer 200 with `status: failed`. */
  failure_rate: share(),
  /** Share of requests answered 500. */
  error_5xx_rate: share(),
  /** Share of requests answered 429 `rate_limit_error`. */
  rate_429_rate: share(),
  /** Runs in flight at most; more are answered 429 `too_many_requests` stating the cap. */
  concurrency_cap: z.optional(count()),
  /** Whether the cap's 429 states the number, as most Dify versions do. */
  cap_states_limit: z._default(z.boolean(), true),
  /** Answers that depend on the prompts as a real task's do: an optimization problem. */
  task: z.optional(taskSchema),
});

const appSchema = z.strictObject({
  id: nonEmpty(),
  api_key: nonEmpty(),
  /** A DSL file, relative to the apps file. */
  dsl: z.optional(nonEmpty()),
  /** Or the DSL inline, as YAML text. */
  dsl_yaml: z.optional(nonEmpty()),
  behaviour: z.prefault(behaviourSchema, {}),
});

/** The simulator's apps file. */
export const simulatorConfigSchema = z.strictObject({
  apps: z.array(appSchema).check(z.minLength(1)),
  console: z.prefault(
    z.strictObject({
      email: z._default(z.string(), 'admin@example.com'),
      password: z._default(z.string(), 'password'),
      /** `cookie`: newer Dify (cookies and a CSRF token); `bearer`: older Dify. */
      auth: z._default(z.enum(['cookie', 'bearer']), 'cookie'),
    }),
    {},
  ),
  /** Seeds the behaviour's random draws, for repeatable runs. */
  seed: z._default(z.int(), 1),
  /** The simulated proposer (`POST /v1/chat/completions`) an optimization asks for prompts. */
  proposer: z.prefault(
    z.strictObject({
      /** The chance it finds what a failed kind of case needs. */
      skill: z._default(between(0, 1), 0.6),
      /** The chance an edit also drops a good instruction or adds a stray one. */
      noise: z._default(between(0, 1), 0.2),
      drop_reference_rate: z._default(between(0, 1), 0.05),
      prose_rate: z._default(between(0, 1), 0.05),
      empty_rate: z._default(between(0, 1), 0.02),
    }),
    {},
  ),
});

export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;
export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
export type SimBehaviour = z.output<typeof behaviourSchema>;

/** One app, its DSL text resolved. */
export interface SimAppConfig {
  readonly id: string;
  readonly apiKey: string;
  readonly dslYaml: string;
  readonly behaviour: SimBehaviour;
}

/** Where a key path sits in a YAML file, as `file:line:column: `. */
function locate(
  source:
    { readonly file: string; readonly doc: Document; readonly lines: LineCounter } | undefined,
  path: readonly PropertyKey[],
): string {
  if (source === undefined) return '';
  const at = yamlPosition(source.doc, source.lines, path);
  return at === undefined ? `${source.file}: ` : `${source.file}:${at.line}:${at.column}: `;
}

/**
 * Validates a simulator configuration, reading DSL files relative to `baseDir`.
 * @throws SimulatorConfigError (`E_SIMULATOR_CONFIG`) naming every bad key, with its place in
 * `source` when given.
 */
export async function resolveSimulatorConfig(
  input: unknown,
  baseDir: string,
  source?: { readonly file: string; readonly doc: Document; readonly lines: LineCounter },
): Promise<{ readonly apps: SimAppConfig[]; readonly config: SimulatorConfig }> {
  const parsed = simulatorConfigSchema.safeParse(input);
  if (!parsed.success) {
    const text = parsed.error.issues
      .map(
        (issue) =>
          `${locate(source, issue.path)}${issue.path.join('.') || '(root)'}: ${issue.message}`,
      )
      .join('\n');
    throw new SimulatorConfigError(`invalid simulator apps:\n${text}`);
  }
  const apps = await Promise.all(
    parsed.data.apps.map(async (app, index) => {
      const where = locate(source, ['apps', index]);
      let dslYaml = app.dsl_yaml;
      if (dslYaml === undefined && app.dsl !== undefined) {
        const file = resolve(baseDir, app.dsl);
        dslYaml = await readFile(file, 'utf8').catch((error: unknown) => {
          throw new SimulatorConfigError(`${where}apps.${index}.dsl: cannot read ${file}`, {
            cause: error,
          });
        });
      }
      if (dslYaml === undefined) {
        throw new SimulatorConfigError(
          `${where}apps.${index}: app ${app.id} needs dsl or dsl_yaml`,
        );
      }
      return { id: app.id, apiKey: app.api_key, dslYaml, behaviour: app.behaviour };
    }),
  );
  return { apps, config: parsed.data };
}

/**
 * Reads an apps YAML file.
 * @throws SimulatorConfigError (`E_SIMULATOR_CONFIG`) for a missing file, bad YAML or bad keys.
 */
export async function loadSimulatorConfig(
  file: string,
): Promise<{ readonly apps: SimAppConfig[]; readonly config: SimulatorConfig }> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new SimulatorConfigError(`cannot read the apps file ${file}`, { cause: error });
  });
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problem = doc.errors[0];
  if (problem !== undefined) {
    const at = problem.linePos?.[0];
    const where = at === undefined ? file : `${file}:${at.line}:${at.col}`;
    throw new SimulatorConfigError(
      `${where}: ${problem.message.split('\n', 1)[0] ?? 'invalid YAML'}`,
    );
  }
  return resolveSimulatorConfig(doc.toJS() as unknown, dirname(resolve(file)), {
    file,
    doc,
    lines,
  });
}
