import * as z from 'zod';
import { assertionSchema, gradingSchema } from '../assertions/assertion-schema.js';

// A configuration is parsed once per command: zod's compiled fast path (a `new Function` per
// object shape) costs more to build than it saves here, ~20 ms of every start.
z.config({ jitless: true });

const seconds = z.number().min(0);

const typedInputSchema = z.strictObject({
  type: z.enum(['string', 'number', 'file', 'json']),
  value: z.unknown(),
});

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** An input: a scalar, a list (one value per case), or a typed value (`file`, `json`, …). */
const inputSchema = z.union([scalarSchema, z.array(z.unknown()), typedInputSchema]);

const workflowSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  /** The app's key (`app-…`); keep it in the environment: `${DIFY_KEY}`. */
  api_key: z.string().min(1),
  mode: z
    .enum(['auto', 'workflow', 'advanced-chat', 'chat', 'agent-chat', 'completion'])
    .default('auto'),
  response_mode: z.enum(['streaming', 'blocking']).default('streaming'),
  inputs: z.record(z.string(), inputSchema).default({}),
  /** A CSV or JSONL file of rows, one case per row, relative to the config file. */
  dataset: z.string().min(1).optional(),
  combine: z.enum(['zip', 'cartesian', 'pairwise']).default('zip'),
  /** Expected outputs: one per case, or one for all. */
  reference: z.unknown().optional(),
  assert: z.array(assertionSchema).default([]),
  /** The weighted score a case needs to pass; without it, every counted assertion must pass. */
  threshold: z.number().min(0).max(1).optional(),
  repeat: z.number().int().min(1).default(1),
  /** The user's message, for chat apps: a string, or a list (one per case). */
  query: z.union([z.string(), z.array(z.string())]).optional(),
  /** Run a chat app's cases as one conversation, in order. */
  conversation: z.boolean().default(false),
  prompt_variant: z.string().optional(),
  /** With `dify.base_url: simulator`: the DSL (relative to the config file) and behaviour. */
  simulator: z
    .strictObject({ dsl: z.string().min(1), behaviour: z.looseObject({}).optional() })
    .optional(),
});

/** The `execution` section: the executor's policy, in snake_case, plus budgets. */
const executionSchema = z.strictObject({
  concurrency: z.number().int().min(1).default(5),
  batch_size: z.number().int().min(1).optional(),
  backoff_between_batches: seconds.default(0),
  rate_limit: z
    .strictObject({ per_minute: z.number().gt(0), burst: z.number().int().min(1) })
    .optional(),
  retry: z
    .strictObject({
      max_attempts: z.number().int().min(1).default(3),
      backoff: seconds.default(0.5),
      multiplier: z.number().min(1).default(2),
      max_backoff: seconds.default(30),
      jitter: z.number().min(0).max(1).default(0.2),
    })
    .prefault({}),
  timeout_per_task: z.number().gt(0).default(300),
  stop: z
    .strictObject({
      max_failures: z.number().int().min(1).optional(),
      timeout: z.number().gt(0).optional(),
    })
    .prefault({}),
  /** Stop the run once this many tokens were spent. */
  max_tokens: z.number().int().min(1).optional(),
  /** Stop the run once it cost this much. */
  max_cost: z.number().gt(0).optional(),
});

const llmSchema = z.strictObject({
  base_url: z.url(),
  model: z.string().min(1),
  api_key: z.string().optional(),
  temperature: z.number().min(0).max(2).default(0),
  /** Calls in flight at once. */
  concurrency: z.number().int().min(1).default(4),
  rate_limit: z
    .strictObject({ per_minute: z.number().gt(0), burst: z.number().int().min(1) })
    .optional(),
  max_attempts: z.number().int().min(1).default(3),
  /** Seconds before the first retry; doubled each time. */
  backoff: seconds.default(1),
  /** Seconds one call may take. */
  timeout: z.number().gt(0).default(60),
});

/** The whole configuration file. */
export const configSchema = z
  .strictObject({
    dify: z.strictObject({
      /** The console's base URL, or `simulator` for the built-in simulator. */
      base_url: z.string().min(1),
      /** @default `{base_url}/v1` */
      api_base: z.string().min(1).optional(),
      email: z.string().optional(),
      password: z.string().optional(),
      /** Seconds one HTTP request may take. */
      request_timeout: z.number().gt(0).default(120),
      /** Runs send `user: {user_prefix}-{run id}`. */
      user_prefix: z.string().min(1).default('dify-autoopt'),
    }),
    workflows: z.array(workflowSchema).min(1),
    default_assert: z.array(assertionSchema).default([]),
    execution: executionSchema.prefault({}),
    judge: llmSchema.optional(),
    grading: gradingSchema.prefault({}),
    llm: llmSchema.optional(),
    optimization: z.looseObject({}).optional(),
    output: z
      .strictObject({
        formats: z.array(z.enum(['json', 'jsonl', 'csv', 'xlsx', 'html', 'junit'])).default([]),
        dir: z.string().default('reports'),
      })
      .prefault({}),
    store: z
      .strictObject({ path: z.string().min(1).default('.dify-autoopt/runs.db') })
      .prefault({}),
    logging: z
      .strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .prefault({}),
  })
  .superRefine((config, context) => {
    if (config.judge !== undefined) return;
    const check = (
      assertions: readonly { readonly type: string }[],
      path: (string | number)[],
    ): void => {
      assertions.forEach((assertion, index) => {
        if (assertion.type === 'llm_judge')
          context.addIssue({
            code: 'custom',
            path: [...path, index, 'type'],
            message: 'llm_judge needs a `judge` section (base_url, model, api_key)',
          });
      });
    };
    check(config.default_assert, ['default_assert']);
    config.workflows.forEach((workflow, index) => {
      check(workflow.assert, ['workflows', index, 'assert']);
    });
  });

/** A validated configuration, defaults filled in. */
export type Config = z.output<typeof configSchema>;
export type WorkflowConfig = Config['workflows'][number];
export type JudgeConfig = NonNullable<Config['judge']>;
export type ExecutionConfig = Config['execution'];

/** The public API base a configuration points at: `api_base`, else `{base_url}/v1`. */
export function apiBaseOf(dify: Config['dify']): string {
  return dify.api_base ?? `${dify.base_url.replace(/\/+$/, '')}/v1`;
}
