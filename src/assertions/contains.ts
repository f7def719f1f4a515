import { textAssertion } from './text-match.js';

/** `contains`: the output text contains the value (every value of a list). */
export const contains = textAssertion<'contains'>((text, item) => text.includes(item), 'contains');
