import * as z from 'zod/mini';
import { assertionSchema, gradingSchema } from '../assertions/assertion-schema.js';
import { atLeast, between, count, nonEmpty, positive } from '../core/schema-parts.js';
import { optimizationSchema } from './optimization-schema.js';

const rateLimit = () => z.optional(z.strictObject({ per_minute: positive(), burst: count() }));

const typedInputSchema = z.strictObject({
  type: z.enum(['string', 'number', 'file', 'json']),
  value: z.unknown(),
});

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** An input: a scalar, a list (one value per case), or a typed value (`file`, `json`, …). */
const inputSchema = z.union([scalarSchema, z.array(z.unknown()), typedInputSchema]);

/** A prompt text of a variant: inline, or `{file: path}` relative to the config file. */
const promptTextSchema = z.union([z.string(), z.strictObject({ file: nonEmpty() })]);

/** One candidate set of prompts, run on a sandbox copy of the app (or a debug model config). */
const variantSchema = z.strictObject({
  name: nonEmpty(),
  /** `<node id>.<field>` (or `pre_prompt`) → the text; none: the app's draft as it is. */
  prompts: z._default(z.record(z.string(), promptTextSchema), {}),
});

const workflowSchema = z.strictObject({
  id: nonEmpty(),
  name: z.optional(z.string()),
  /** The app's key (`app-…`); keep it in the environment: `${DIFY_KEY}`. */
  api_key: nonEmpty(),
  mode: z._default(
    z.enum(['auto', 'workflow', 'advanced-chat', 'chat', 'agent-chat', 'completion']),
    'auto',
  ),
  response_mode: z._default(z.enum(['streaming', 'blocking']), 'streaming'),
  inputs: z._default(z.record(z.string(), inputSchema), {}),
  /** A CSV or JSONL file of rows, one case per row, relative to the config file. */
  dataset: z.optional(nonEmpty()),
  combine: z._default(z.enum(['zip', 'cartesian', 'pairwise']), 'zip'),
  /** Expected outputs: one per case, or one for all. */
  reference: z.optional(z.unknown()),
  assert: z._default(z.array(assertionSchema), []),
  /** The weighted score a case needs to pass; without it, every counted assertion must pass. */
  threshold: z.optional(between(0, 1)),
  repeat: z._default(count(), 1),
  /** The user's message, for chat apps: a string, or a list (one per case). */
  query: z.optional(z.union([z.string(), z.array(z.string())])),
  /** Run a chat app's cases as one conversation, in order. */
  conversation: z._default(z.boolean(), false),
  prompt_variant: z.optional(z.string()),
  /** The console's app id: variants run on a copy of it (read, never written). */
  app_id: z.optional(nonEmpty()),
  /** Each case runs once per variant; the first is the one the others are compared with. */
  variants: z.optional(z.array(variantSchema).check(z.minLength(1))),
  /** With `dify.base_url: simulator`: the DSL (relative to the config file) and behaviour. */
  simulator: z.optional(
    z.strictObject({ dsl: nonEmpty(), behaviour: z.optional(z.looseObject({})) }),
  ),
});

/** The `execution` section: the executor's policy, in snake_case, plus budgets. */
const executionSchema = z.strictObject({
  concurrency: z._default(count(), 5),
  batch_size: z.optional(count()),
  backoff_between_batches: z._default(atLeast(0), 0),
  rate_limit: rateLimit(),
  retry: z.prefault(
    z.strictObject({
      max_attempts: z._default(count(), 3),
      backoff: z._default(atLeast(0), 0.5),
      multiplier: z._default(atLeast(1), 2),
      max_backoff: z._default(atLeast(0), 30),
      jitter: z._default(between(0, 1), 0.2),
    }),
    {},
  ),
  timeout_per_task: z._default(positive(), 300),
  stop: z.prefault(
    z.strictObject({
      max_failures: z.optional(count()),
      timeout: z.optional(positive()),
    }),
    {},
  ),
  /** Stop the run once this many tokens were spent. */
  max_tokens: z.optional(count()),
  /** Stop the run once it cost this much. */
  max_cost: z.optional(positive()),
});

const llmSchema = z.strictObject({
  base_url: z.url(),
  model: nonEmpty(),
  api_key: z.optional(z.string()),
  temperature: z._default(between(0, 2), 0),
  /** Calls in flight at once. */
  concurrency: z._default(count(), 4),
  rate_limit: rateLimit(),
  max_attempts: z._default(count(), 3),
  /** Seconds before the first retry; doubled each time. */
  backoff: z._default(atLeast(0), 1),
  /** Seconds one call may take. */
  timeout: z._default(positive(), 60),
});

/** The whole configuration file. */
export const configSchema = z
  .strictObject({
    dify: z.strictObject({
      /** The console's base URL, or `simulator` for the built-in simulator. */
      base_url: nonEmpty(),
      /** @default `{base_url}/v1` */
      api_base: z.optional(nonEmpty()),
      email: z.optional(z.string()),
      password: z.optional(z.string()),
      /** Seconds one HTTP request may take. */
      request_timeout: z._default(positive(), 120),
      /** Runs send `user: {user_prefix}-{run id}`. */
      user_prefix: z._default(nonEmpty(), 'dify-autoopt'),
    }),
    workflows: z.array(workflowSchema).check(z.minLength(1)),
    default_assert: z._default(z.array(assertionSchema), []),
    execution: z.prefault(executionSchema, {}),
    judge: z.optional(llmSchema),
    grading: z.prefault(gradingSchema, {}),
    llm: z.optional(llmSchema),
    optimization: z.prefault(optimizationSchema, {}),
    output: z.prefault(
      z.strictObject({
        formats: z._default(z.array(z.enum(['json', 'jsonl', 'csv', 'xlsx', 'html', 'junit'])), []),
        dir: z._default(z.string(), 'reports'),
      }),
      {},
    ),
    store: z.prefault(
      z.strictObject({ path: z._default(nonEmpty(), '.dify-autoopt/runs.db') }),
      {},
    ),
    logging: z.prefault(
      z.strictObject({ level: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info') }),
      {},
    ),
  })
  .check(
    z.superRefine((config, context) => {
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
    }),
  )
  .check(
    z.superRefine((config, context) => {
      const simulated = config.dify.base_url === 'simulator';
      config.workflows.forEach((workflow, index) => {
        const { variants } = workflow;
        if (variants === undefined) return;
        const at = (...path: (string | number)[]): (string | number)[] => [
          'workflows',
          index,
          ...path,
        ];
        const seen = new Set<string>();
        variants.forEach((variant, v) => {
          if (seen.has(variant.name))
            context.addIssue({
              code: 'custom',
              path: at('variants', v, 'name'),
              message: `another variant is named ${variant.name}`,
            });
          seen.add(variant.name);
        });
        if (workflow.prompt_variant !== undefined)
          context.addIssue({
            code: 'custom',
            path: at('prompt_variant'),
            message: 'prompt_variant labels a whole workflow; with variants, each has its name',
          });
        if (workflow.app_id === undefined && !simulated)
          context.addIssue({
            code: 'custom',
            path: at('variants'),
            message: 'variants need the app_id of the app in the console (its copy runs them)',
          });
        if (!simulated && (config.dify.email === undefined || config.dify.password === undefined))
          context.addIssue({
            code: 'custom',
            path: at('variants'),
            message:
              'variants run through the console: set dify.email and dify.password (${DIFY_PASSWORD})',
          });
      });
    }),
  );

/** A validated configuration, defaults filled in. */
export type Config = z.output<typeof configSchema>;
export type WorkflowConfig = Config['workflows'][number];
export type JudgeConfig = NonNullable<Config['judge']>;
export type ExecutionConfig = Config['execution'];
export type VariantConfig = NonNullable<WorkflowConfig['variants']>[number];

/** The public API base a configuration points at: `api_base`, else `{base_url}/v1`. */
export function apiBaseOf(dify: Config['dify']): string {
  return dify.api_base ?? `${dify.base_url.replace(/\/+$/, '')}/v1`;
}
