import * as z from 'zod/mini';
import { atLeast, between, count, nonEmpty, positive } from '../core/schema-parts.js';

/** `90`, `90s`, `30m`, `2h`: seconds, or a number with its unit. */
const durationSchema = z.pipe(
  z.union([
    positive(),
    z.string().check(z.regex(/^\d+(\.\d+)?\s*(s|m|h)$/, 'a duration: 90s, 30m or 2h')),
  ]),
  z.transform((value) => {
    if (typeof value === 'number') return value * 1000;
    const amount = Number.parseFloat(value);
    const unit = value.trim().slice(-1);
    return amount * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1000);
  }),
);

/** A count, or a fraction below 1 of the cases. */
const share = () => z.number().check(z.gt(0));

/** The endpoint that writes new prompts: any OpenAI-compatible one, or the simulator's. */
const proposerSchema = z.strictObject({
  /** An OpenAI-compatible base URL, or `simulator` for the built-in simulator's proposer. */
  base_url: nonEmpty(),
  model: z._default(nonEmpty(), 'gpt-4o-mini'),
  api_key: z.optional(z.string()),
  temperature: z._default(between(0, 2), 0.7),
  /** Calls retried after a 429, a 5xx or a timeout, then the proposal is given up. */
  max_attempts: z._default(count(), 3),
  /** Seconds before the first retry; doubled each time. */
  backoff: z._default(atLeast(0), 1),
  /** Seconds one call may take. */
  timeout: z._default(positive(), 120),
  /** Price per million tokens, to count the proposer's cost. */
  price: z.optional(z.strictObject({ input: atLeast(0), output: atLeast(0) })),
  /** With `base_url: simulator`: the simulated proposer's skill and faults. */
  simulator: z.optional(
    z.strictObject({
      skill: z.optional(between(0, 1)),
      noise: z.optional(between(0, 1)),
      drop_reference_rate: z.optional(between(0, 1)),
      prose_rate: z.optional(between(0, 1)),
      empty_rate: z.optional(between(0, 1)),
    }),
  ),
});

/** The `optimization` section (see the optimizer spec, §3). */
export const optimizationSchema = z.strictObject({
  /** `all`, or a list of `<node>.<field>` addresses as in variants. */
  targets: z._default(
    z.union([z.literal('all'), z.array(nonEmpty()).check(z.minLength(1))]),
    'all',
  ),
  strategy: z._default(z.enum(['reflective', 'random', 'greedy']), 'reflective'),
  budget: z.prefault(
    z.strictObject({
      runs: z._default(count(), 600),
      proposer_calls: z._default(count(), 60),
      max_cost: z._default(positive(), 5),
      time: z._default(durationSchema, 30 * 60_000),
    }),
    {},
  ),
  split: z.prefault(
    z.strictObject({
      heldout: z._default(share(), 40),
      validation: z._default(share(), 20),
      seed: z._default(z.int(), 7),
    }),
    {},
  ),
  minibatch: z._default(count(), 4),
  heldout_repeats: z._default(count(), 2),
  acceptance: z.prefault(
    z.strictObject({
      alpha: z._default(z.number().check(z.gt(0), z.lt(1)), 0.05),
      margin: z._default(between(0, 1), 0.05),
    }),
    {},
  ),
  /** Default: the `llm` section. */
  proposer: z.optional(proposerSchema),
});

export type OptimizationConfig = z.output<typeof optimizationSchema>;
export type ProposerConfig = z.output<typeof proposerSchema>;
