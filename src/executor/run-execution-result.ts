import type { ExecutionPolicyInput } from './execution-policy.js';
import type { RunStatistics } from './run-statistics.js';
import type { TaskResult } from './task-result.js';
import type { TestCase } from './task.js';

/** What a run is asked to do: a workflow, its cases and how to run them. */
export interface RunManifest {
  /** @default a random UUID */
  readonly runId?: string;
  readonly workflowId: string;
  readonly workflowVersion?: string;
  readonly promptVariant?: string;
  readonly cases: readonly TestCase[];
  readonly policy: ExecutionPolicyInput;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** What a run did: one result per input task, in input order, and the run's statistics. */
export interface RunExecutionResult {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowVersion: string | undefined;
  readonly promptVariant: string | undefined;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms. */
  readonly finishedAt: number;
  readonly totalDurationMs: number;
  readonly taskResults: readonly TaskResult[];
  readonly statistics: RunStatistics;
  readonly metadata: Readonly<Record<string, unknown>>;
}
