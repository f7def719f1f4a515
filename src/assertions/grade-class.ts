import type { GradingConfig } from './assertion-schema.js';

/** The original collector's classification of a case or a run. */
export type GradeClass = 'excellent' | 'good' | 'fair' | 'poor';

/**
 * Classifies a pass rate (0..1) and a latency (ms): the best class whose minimum pass rate and
 * maximum latency are both met, else `poor`. An unknown latency counts as met.
 */
export function classify(
  passRate: number,
  latencyMs: number | undefined,
  grading: GradingConfig,
): GradeClass {
  for (const name of ['excellent', 'good', 'fair'] as const) {
    const bar = grading[name];
    if (
      passRate >= bar.min_pass_rate &&
      (latencyMs === undefined || latencyMs <= bar.max_latency_ms)
    )
      return name;
  }
  return 'poor';
}
