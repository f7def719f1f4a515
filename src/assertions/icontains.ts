import { textAssertion } from './text-match.js';

/** `icontains`: like `contains`, ignoring case. */
export const icontains = textAssertion<'icontains'>(
  (text, item) => text.toLocaleLowerCase().includes(item.toLocaleLowerCase()),
  'contains',
);
