import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import type { JSONPath as JSONPathFunction } from 'jsonpath-plus';
import type { Assertion, Score } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { expectedValue } from './expected-value.js';
import { outputJson, quote } from './output-text.js';

function matches(found: unknown, expected: unknown): boolean {
  if (typeof expected === 'string' && typeof found !== 'string') return String(found) === expected;
  return isDeepStrictEqual(found, expected);
}

/**
 * `json_path`: the JSONPath expression finds something in the output (JSON); with `value`, the
 * first match equals it.
 */
export const jsonPath: Assertion<ConfigOf<'json_path'>> = {
  defaultThreshold: 1,
  compile(config) {
    // Loaded on first use: most suites never query a path, and every run would load it.
    const { JSONPath } = createRequire(import.meta.url)('jsonpath-plus') as {
      JSONPath: typeof JSONPathFunction;
    };
    return (input): Score => {
      const parsed = outputJson(input.output);
      if (!parsed.ok) return { score: 0, pass: false, reason: parsed.reason };
      const json = parsed.json;
      const found: unknown[] =
        typeof json === 'object' && json !== null
          ? JSONPath<unknown[]>({ path: config.path, json, wrap: true, eval: false })
          : [];
      if (found.length === 0)
        return { score: 0, pass: false, reason: `${config.path} matches nothing` };
      if (config.value === undefined)
        return { score: 1, pass: true, reason: `${config.path} found` };
      const expected = expectedValue(config.value, undefined, input);
      const pass = matches(found[0], expected);
      return {
        score: pass ? 1 : 0,
        pass,
        reason: pass
          ? `${config.path} is ${quote(expected)}`
          : `${config.path} is ${quote(found[0])}, not ${quote(expected)}`,
      };
    };
  },
};
