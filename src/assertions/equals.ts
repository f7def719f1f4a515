import { isDeepStrictEqual } from 'node:util';
import type { Assertion, Score } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { expectedValue } from './expected-value.js';
import { outputJson, quote } from './output-text.js';

function same(output: unknown, expected: unknown): boolean {
  if (typeof expected === 'string')
    return typeof output === 'string' && output.trim() === expected.trim();
  if (typeof output === 'string') {
    const parsed = outputJson(output);
    return parsed.ok && isDeepStrictEqual(parsed.json, expected);
  }
  return isDeepStrictEqual(output, expected);
}

/** `equals`: the output is the expected value (texts compared trimmed, JSON compared deeply). */
export const equals: Assertion<ConfigOf<'equals'>> = {
  defaultThreshold: 1,
  compile(config) {
    return (input): Score => {
      const expected = expectedValue(config.value, config.output, input);
      if (expected === undefined)
        return { score: 0, pass: false, reason: 'no value and no reference to compare with' };
      const pass = same(input.output, expected);
      return {
        score: pass ? 1 : 0,
        pass,
        reason: pass
          ? `equals ${quote(expected)}`
          : `${quote(input.output)} is not ${quote(expected)}`,
      };
    };
  },
};
