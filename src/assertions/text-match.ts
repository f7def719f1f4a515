import type { Assertion, GradeInput, Score } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { expectedValue } from './expected-value.js';
import { outputText, quote } from './output-text.js';

/**
 * Grades the output text against one or more expected texts: the score is the share that
 * match, and the assertion passes when all do.
 */
export function matchTexts(
  value: string | readonly string[] | undefined,
  output: string | undefined,
  input: GradeInput,
  match: (text: string, expected: string) => boolean,
  verb: string,
): Score {
  const expected = expectedValue(value, output, input);
  const wanted = (Array.isArray(expected) ? expected : [expected]).filter(
    (item): item is string | number => typeof item === 'string' || typeof item === 'number',
  );
  if (wanted.length === 0)
    return { score: 0, pass: false, reason: 'no value and no reference to look for' };
  const text = outputText(input.output);
  const missing = wanted.map(String).filter((item) => !match(text, item));
  const score = (wanted.length - missing.length) / wanted.length;
  return {
    score,
    pass: missing.length === 0,
    reason:
      missing.length === 0
        ? `${verb} ${wanted.map((item) => quote(item, 40)).join(', ')}`
        : `${quote(text)} does not ${verb.replace(/s$/, '')} ${missing.map((item) => quote(item, 40)).join(', ')}`,
  };
}

/** A text assertion (`contains`, `icontains`, `starts_with`): the output against its values. */
export function textAssertion<T extends 'contains' | 'icontains' | 'starts_with'>(
  match: (text: string, expected: string) => boolean,
  verb: string,
): Assertion<ConfigOf<T>> {
  return {
    defaultThreshold: 1,
    compile(config) {
      const { value, output } = config as ConfigOf<'contains' | 'icontains' | 'starts_with'>;
      return (input) => matchTexts(value, output, input, match, verb);
    },
  };
}
