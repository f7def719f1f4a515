import type { Assertion } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { matchTexts } from './text-match.js';

/** `icontains`: like `contains`, ignoring case. */
export const icontains: Assertion<ConfigOf<'icontains'>> = {
  defaultThreshold: 1,
  compile(config) {
    return (input) =>
      matchTexts(
        config.value,
        config.output,
        input,
        (text, item) => text.toLocaleLowerCase().includes(item.toLocaleLowerCase()),
        'contains',
      );
  },
};
