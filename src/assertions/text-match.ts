import type { GradeInput, Score } from './assertion.js';
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
