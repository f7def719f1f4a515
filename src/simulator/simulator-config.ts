import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const latencySchema = z.union([
  z
    .number()
    .min(0)
    .transform((ms) => ({ minMs: ms, maxMs: ms })),
  z
    .strictObject({ min: z.number().min(0), max: z.number().min(0) })
    .transform((r) => ({ minMs: r.min, maxMs: Math.max(r.min, r.max) })),
]);

const behaviourSchema = z.strictObject({
  /** Latency of a run, in ms: a number, or `{min, max}` drawn uniformly. */
  latency_ms: latencySchema.prefault(20),
  /** Share of runs that answer 200 with `status: failed`. */
  failure_rate: z.number().min(0).max(1).default(0),
  /** Share of requests answered 500. */
  error_5xx_rate: z.number().min(0).max(1).default(0),
  /** Share of requests answered 429 `rate_limit_error`. */
  rate_429_rate: z.number().min(0).max(1).default(0),
  /** Runs in flight at most; more are answered 429 `too_many_requests` stating the cap. */
  concurrency_cap: z.number().int().min(1).optional(),
  /** Whether the cap's 429 states the number, as most Dify versions do. */
  cap_states_limit: z.boolean().default(true),
});

const appSchema = z.strictObject({
  id: z.string().min(1),
  api_key: z.string().min(1),
  /** A DSL file, relative to the apps file. */
  dsl: z.string().min(1).optional(),
  /** Or the DSL inline, as YAML text. */
  dsl_yaml: z.string().min(1).optional(),
  behaviour: behaviourSchema.prefault({}),
});

/** The simulator's apps file. */
export const simulatorConfigSchema = z.strictObject({
  apps: z.array(appSchema).min(1),
  console: z
    .strictObject({
      email: z.string().default('admin@example.com'),
      password: z.string().default('password'),
      /** `cookie`: newer Dify (cookies and a CSRF token); `bearer`: older Dify. */
      auth: z.enum(['cookie', 'bearer']).default('cookie'),
    })
    .prefault({}),
  /** Seeds the behaviour's random draws, for repeatable runs. */
  seed: z.number().int().default(1),
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

/** Validates a simulator configuration, reading DSL files relative to `baseDir`. */
export async function resolveSimulatorConfig(
  input: unknown,
  baseDir: string,
): Promise<{ readonly apps: SimAppConfig[]; readonly config: SimulatorConfig }> {
  const parsed = simulatorConfigSchema.safeParse(input);
  if (!parsed.success) {
    const text = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`invalid simulator apps: ${text}`);
  }
  const apps = await Promise.all(
    parsed.data.apps.map(async (app) => {
      const dslYaml =
        app.dsl_yaml ??
        (app.dsl === undefined ? undefined : await readFile(resolve(baseDir, app.dsl), 'utf8'));
      if (dslYaml === undefined)
        throw new Error(`invalid simulator apps: app ${app.id} needs dsl or dsl_yaml`);
      return { id: app.id, apiKey: app.api_key, dslYaml, behaviour: app.behaviour };
    }),
  );
  return { apps, config: parsed.data };
}

/** Reads an apps YAML file. */
export async function loadSimulatorConfig(
  file: string,
): Promise<{ readonly apps: SimAppConfig[]; readonly config: SimulatorConfig }> {
  return resolveSimulatorConfig(
    parse(await readFile(file, 'utf8')) as unknown,
    dirname(resolve(file)),
  );
}
