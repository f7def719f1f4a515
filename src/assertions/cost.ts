import { upperBound } from './upper-bound.js';

/** `cost`: the case's Dify run cost at most `value` (Dify's `total_price`, in its currency). */
export const cost = upperBound<'cost'>((input) => input.cost, 'cost', '');
