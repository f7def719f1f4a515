import * as z from 'zod';

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
  name: z.string().min(1).optional(),
  /** Which output field to grade; the whole output when absent. */
  output: z.string().min(1).optional(),
  /** How much the assertion counts in the case's score; 0 records it without counting it. */
  weight: z.number().min(0).default(1),
  /** The score (0..1) the assertion needs to pass. */
  threshold: z.number().min(0).max(1).optional(),
  /** Inverts the assertion: passes when it would fail. */
  not: z.boolean().default(false),
};

/** An expected value: given, or the case's `reference` when absent. */
const expected = z.unknown().optional();
const textOrTexts = z.union([z.string(), z.array(z.string()).min(1)]).optional();
const maximum = z.number().min(0);

/** One assertion, each type with the fields it needs. */
export const assertionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('equals'), value: expected, ...assertionBase }),
  z.strictObject({ type: z.literal('contains'), value: textOrTexts, ...assertionBase }),
  z.strictObject({ type: z.literal('icontains'), value: textOrTexts, ...assertionBase }),
  z.strictObject({
    type: z.literal('starts_with'),
    value: z.string().optional(),
    ...assertionBase,
  }),
  z.strictObject({
    type: z.literal('regex'),
    value: z.string().min(1),
    flags: z
      .string()
      .regex(/^[dgimsuvy]*$/, 'regex flags are d, g, i, m, s, u, v, y')
      .optional(),
    ...assertionBase,
  }),
  z.strictObject({ type: z.literal('is_json'), ...assertionBase }),
  z.strictObject({ type: z.literal('json_schema'), value: z.looseObject({}), ...assertionBase }),
  z.strictObject({
    type: z.literal('json_path'),
    /** A JSONPath expression, e.g. `$.items[0].name`. */
    path: z.string().min(1),
    /** What the first match must equal; without it, the path must match something. */
    value: expected,
    ...assertionBase,
  }),
  z.strictObject({ type: z.literal('similar'), value: z.string().optional(), ...assertionBase }),
  z.strictObject({
    type: z.literal('javascript'),
    /** An expression over `output`, `outputs`, `answer`, `inputs`, `query`, `reference`. */
    value: z.string().min(1),
    ...assertionBase,
  }),
  z.strictObject({ type: z.literal('latency'), value: maximum, ...assertionBase }),
  z.strictObject({ type: z.literal('tokens'), value: maximum, ...assertionBase }),
  z.strictObject({ type: z.literal('cost'), value: maximum, ...assertionBase }),
  z.strictObject({
    type: z.literal('llm_judge'),
    /** The rubric the judge grades the output against. */
    value: z.string().min(1),
    ...assertionBase,
  }),
]);

/** A grade class: the pass rate it needs at least and the latency it allows at most. */
const gradeClass = z.strictObject({
  min_pass_rate: z.number().min(0).max(1),
  max_latency_ms: z.number().min(0),
});

/** The classification of cases and runs into excellent, good, fair and poor. */
export const gradingSchema = z.strictObject({
  excellent: gradeClass.default({ min_pass_rate: 0.95, max_latency_ms: 2000 }),
  good: gradeClass.default({ min_pass_rate: 0.8, max_latency_ms: 5000 }),
  fair: gradeClass.default({ min_pass_rate: 0.5, max_latency_ms: 15000 }),
});

/** One configured assertion, defaults filled in. */
export type AssertionConfig = z.output<typeof assertionSchema>;
export type AssertionType = AssertionConfig['type'];
/** The grade classes' bars. */
export type GradingConfig = z.output<typeof gradingSchema>;
