import type { Assertion } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { matchTexts } from './text-match.js';

/** `starts_with`: the output text starts with the value (leading blanks ignored). */
export const startsWith: Assertion<ConfigOf<'starts_with'>> = {
  defaultThreshold: 1,
  compile(config) {
    return (input) =>
      matchTexts(
        config.value,
        config.output,
        input,
        (text, item) => text.trimStart().startsWith(item),
        'starts with',
      );
  },
};
