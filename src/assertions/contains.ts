import type { Assertion } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { matchTexts } from './text-match.js';

/** `contains`: the output text contains the value (every value of a list). */
export const contains: Assertion<ConfigOf<'contains'>> = {
  defaultThreshold: 1,
  compile(config) {
    return (input) =>
      matchTexts(
        config.value,
        config.output,
        input,
        (text, item) => text.includes(item),
        'contains',
      );
  },
};
