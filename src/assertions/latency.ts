import { upperBound } from './upper-bound.js';

/** `latency`: the case's answer took at most `value` milliseconds. */
export const latency = upperBound<'latency'>(
  (input) => (input.latencyMs === undefined ? undefined : Math.round(input.latencyMs)),
  'latency',
  ' ms',
);
