import * as z from 'zod/mini';
import { atLeast, between, nonEmpty } from '../core/schema-parts.js';

/** Where test answers are graded: the assertion types of the product spec. */
export const ASSERTION_TYPES = [
  'equals',
  'contains',
  'icontains',
  'regex',
  'starts_with',
  'is_json',
  'json_schema',
  'json_path',
  'similar',
  'javascript',
  'latency',
  'tokens',
  'cost',
  'llm_judge',
] as const satisfies readonly AssertionType[];

/** What every assertion has: which output field, how much it counts, when it passes. */
const assertionBase = {
  /** A label for statistics and reports; the type (and output) when absent. */
  name: z.optional(nonEmpty()),
  /** Which output field to grade; the whole output when absent. */
  output: z.optional(nonEmpty()),
  /** How much the assertion counts in the case's score; 0 records it without counting it. */
  weight: z._default(atLeast(0), 1),
  /** The score (0..1) the assertion needs to pass. */
  threshold: z.optional(between(0, 1)),
  /** Inverts the assertion: passes when it would fail. */
  not: z._default(z.boolean(), false),
};

/** An expected value: given, or the case's `reference` when absent. */
const expected = z.optional(z.unknown());
const textOrTexts = z.optional(z.union([z.string(), z.array(z.string()).check(z.minLength(1))]));

/** One assertion, each type with the fields it needs. */
export const assertionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('equals'), value: expected, ...assertionBase }),
  z.strictObject({ type: z.literal('contains'), value: textOrTexts, ...assertionBase }),
  z.strictObject({ type: z.literal('icontains'), value: textOrTexts, ...assertionBase }),
  z.strictObject({
    type: z.literal('starts_with'),
    value: z.optional(z.string()),
    ...assertionBase,
  }),
  z.strictObject({
    type: z.literal('regex'),
    value: nonEmpty(),
    flags: z.optional(
      z.string().check(z.regex(/^[dgimsuvy]*$/, 'regex flags are d, g, i, m, s, u, v, y')),
    ),
    ...assertionBase,
  }),
  z.strictObject({ type: z.literal('is_json'), ...assertionBase }),
  z.strictObject({ type: z.literal('json_schema'), value: z.looseObject({}), ...assertionBase }),
  z.strictObject({
    type: z.literal('json_path'),
    /** A JSONPath expression, e.g. `$.items[0].name`. */
    path: nonEmpty(),
    /** What the first match must equal; without it, the path must match something. */
    value: expected,
    ...assertionBase,
  }),
  z.strictObject({ type: z.literal('similar'), value: z.optional(z.string()), ...assertionBase }),
  z.strictObject({
    type: z.literal('javascript'),
    /** An expression over `output`, `outputs`, `answer`, `inputs`, `query`, `reference`. */
    value: nonEmpty(),
    ...assertionBase,
  }),
  z.strictObject({ type: z.literal('latency'), value: atLeast(0), ...assertionBase }),
  z.strictObject({ type: z.literal('tokens'), value: atLeast(0), ...assertionBase }),
  z.strictObject({ type: z.literal('cost'), value: atLeast(0), ...assertionBase }),
  z.strictObject({
    type: z.literal('llm_judge'),
    /** The rubric the judge grades the output against. */
    value: nonEmpty(),
    ...assertionBase,
  }),
]);

/** A grade class: the pass rate it needs at least and the latency it allows at most. */
const gradeClass = z.strictObject({
  min_pass_rate: between(0, 1),
  max_latency_ms: atLeast(0),
});

/** The classification of cases and runs into excellent, good, fair and poor. */
export const gradingSchema = z.strictObject({
  excellent: z._default(gradeClass, { min_pass_rate: 0.95, max_latency_ms: 2000 }),
  good: z._default(gradeClass, { min_pass_rate: 0.8, max_latency_ms: 5000 }),
  fair: z._default(gradeClass, { min_pass_rate: 0.5, max_latency_ms: 15000 }),
});

/** One configured assertion, defaults filled in. */
export type AssertionConfig = z.output<typeof assertionSchema>;
export type AssertionType = AssertionConfig['type'];
/** The grade classes' bars. */
export type GradingConfig = z.output<typeof gradingSchema>;
