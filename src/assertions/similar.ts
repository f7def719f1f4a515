import { distance } from 'fastest-levenshtein';
import type { Assertion, Score } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { expectedValue } from './expected-value.js';
import { outputText, quote } from './output-text.js';

/** Normalized Levenshtein similarity of two texts, 0..1, case and surrounding blanks ignored. */
export function similarity(a: string, b: string): number {
  const left = a.trim().toLowerCase();
  const right = b.trim().toLowerCase();
  const longest = Math.max(left.length, right.length);
  return longest === 0 ? 1 : 1 - distance(left, right) / longest;
}

/** `similar`: the output text is close to the expected one; the score is the similarity. */
export const similar: Assertion<ConfigOf<'similar'>> = {
  defaultThreshold: 0.8,
  compile(config) {
    return (input): Score => {
      const expected = expectedValue(config.value, config.output, input);
      if (expected === undefined || expected === null)
        return { score: 0, pass: false, reason: 'no value and no reference to compare with' };
      const score = similarity(outputText(input.output), outputText(expected));
      return { score, reason: `${(score * 100).toFixed(0)}% similar to ${quote(expected)}` };
    };
  },
};
