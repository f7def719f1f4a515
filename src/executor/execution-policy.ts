import * as z from 'zod/mini';
import { atLeast, between, count, positive } from '../core/schema-parts.js';
import { PolicyValidationError, type PolicyIssue } from './executor-error.js';

const retrySchema = z.strictObject({
  /** Attempts in all, the first try included. */
  maxAttempts: z._default(count(), 3),
  /** Seconds to wait before the first retry. */
  backoff: z._default(atLeast(0), 0.5),
  /** Each further wait is the previous one times this. */
  multiplier: z._default(atLeast(1), 2),
  /** Seconds no wait exceeds. */
  maxBackoff: z._default(atLeast(0), 30),
  /** Each wait is shortened by up to this fraction, at random. */
  jitter: z._default(between(0, 1), 0.2),
});

const rateLimitSchema = z.strictObject({
  /** Attempts started per minute, on average. */
  perMinute: positive(),
  /** The bucket's capacity: how many may start at once after a quiet spell. */
  burst: count(),
});

const stopConditionsSchema = z.strictObject({
  /** Stop once this many tasks ended failed, timeout or error. */
  maxFailures: z.optional(count()),
  /** Stop once the run has lasted this many seconds. */
  timeout: z.optional(positive()),
});

/** The schema of an execution policy; the single source of its type. */
export const executionPolicySchema = z.strictObject({
  /** Tasks in flight at most. @default 5 */
  concurrency: z._default(count(), 5),
  /** Admit tasks in waves of this size; none: one continuous pool. */
  batchSize: z.optional(count()),
  /** Seconds to pause between waves. @default 0 */
  backoffBetweenBatches: z._default(atLeast(0), 0),
  rateLimit: z.optional(rateLimitSchema),
  retry: z.prefault(retrySchema, {}),
  /** Seconds an attempt may run before it is aborted. @default 300 */
  timeoutPerTask: z._default(positive(), 300),
  stopConditions: z.prefault(stopConditionsSchema, {}),
});

/** A validated execution policy, every default filled in. */
export type ExecutionPolicy = z.output<typeof executionPolicySchema>;
/** An execution policy as a caller writes it: every field optional. */
export type ExecutionPolicyInput = z.input<typeof executionPolicySchema>;
/** The retry part of a validated policy. */
export type RetryPolicy = ExecutionPolicy['retry'];

/**
 * Validates an execution policy and fills in its defaults.
 * @throws PolicyValidationError (`E_POLICY_INVALID`) naming every bad field and its value.
 */
export function parseExecutionPolicy(input: unknown): ExecutionPolicy {
  const parsed = executionPolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue): PolicyIssue => {
    const path =
      issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
    return {
      field: path.length === 0 ? '(policy)' : path.map(String).join('.'),
      value: valueAt(input, path),
      message: issue.message,
    };
  });
  throw new PolicyValidationError(issues as [PolicyIssue, ...PolicyIssue[]]);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  // A schema issue's path only ever runs through objects the schema accepted as objects.
  return path.reduce<unknown>((value, key) => Reflect.get(value as object, key), root);
}
