import { upperBound } from './upper-bound.js';

/** `tokens`: the case's Dify run used at most `value` tokens. */
export const tokens = upperBound<'tokens'>((input) => input.tokens, 'tokens', '');
