import type { Assertion, GradeInput, Score } from './assertion.js';
import type { ConfigOf } from './config-of.js';

/** An assertion that a measured quantity stays at or under the configured value. */
export function upperBound<T extends 'latency' | 'tokens' | 'cost'>(
  measure: (input: GradeInput) => number | undefined,
  what: string,
  unit: string,
): Assertion<ConfigOf<T>> {
  return {
    defaultThreshold: 1,
    compile(config) {
      const limit = (config as { readonly value: number }).value;
      return (input): Score => {
        const measured = measure(input);
        if (measured === undefined)
          return { score: 0, pass: false, reason: `Dify reported no ${what}` };
        const pass = measured <= limit;
        return {
          score: pass ? 1 : 0,
          pass,
          reason: `${what} ${String(measured)}${unit} ${pass ? 'within' : 'over'} ${String(limit)}${unit}`,
        };
      };
    },
  };
}
