import { textAssertion } from './text-match.js';

/** `starts_with`: the output text starts with the value (leading blanks ignored). */
export const startsWith = textAssertion<'starts_with'>(
  (text, item) => text.trimStart().startsWith(item),
  'starts with',
);
