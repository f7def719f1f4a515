import type { Assertion, Score } from './assertion.js';
import { AssertionError } from './assertion-error.js';
import type { ConfigOf } from './config-of.js';
import { outputText, quote } from './output-text.js';

/** `regex`: the output text matches the pattern (JavaScript syntax, with optional flags). */
export const regex: Assertion<ConfigOf<'regex'>> = {
  defaultThreshold: 1,
  compile(config) {
    let pattern: RegExp;
    try {
      // `g` and `y` make `test` stateful across cases: never keep them.
      pattern = new RegExp(config.value, (config.flags ?? '').replace(/[gy]/g, ''));
    } catch (error) {
      throw new AssertionError('E_ASSERTION_INVALID', 'regex', (error as Error).message, {
        cause: error,
      });
    }
    return (input): Score => {
      const text = outputText(input.output);
      const match = pattern.exec(text);
      return match === null
        ? { score: 0, pass: false, reason: `${quote(text)} does not match /${pattern.source}/` }
        : { score: 1, pass: true, reason: `matches /${pattern.source}/ at ${quote(match[0], 40)}` };
    };
  },
};
