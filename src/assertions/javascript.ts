import { Script, createContext } from 'node:vm';
import { asObject } from '../core/json-value.js';
import type { Assertion, GradeInput, Score } from './assertion.js';
import { AssertionError } from './assertion-error.js';
import type { ConfigOf } from './config-of.js';

/** How long one evaluation may run before it counts as failed. */
const EVALUATION_TIMEOUT_MS = 1000;
const NAMES = [
  'output',
  'outputs',
  'answer',
  'inputs',
  'query',
  'reference',
  'latencyMs',
  'tokens',
  'cost',
] as const;

function toScore(value: unknown, expression: string): Score {
  if (typeof value === 'boolean')
    return { score: value ? 1 : 0, pass: value, reason: `${expression} is ${String(value)}` };
  if (typeof value === 'number' && Number.isFinite(value)) {
    const score = Math.min(1, Math.max(0, value));
    return { score, reason: `${expression} scored ${String(score)}` };
  }
  const object = asObject(value);
  if (
    object !== undefined &&
    (typeof object.pass === 'boolean' || typeof object.score === 'number')
  ) {
    const score =
      typeof object.score === 'number'
        ? Math.min(1, Math.max(0, object.score))
        : object.pass === true
          ? 1
          : 0;
    return {
      score,
      ...(typeof object.pass === 'boolean' ? { pass: object.pass } : {}),
      reason:
        typeof object.reason === 'string' ? object.reason : `${expression} scored ${String(score)}`,
    };
  }
  throw new TypeError(
    `returned ${typeof value}; expected a boolean, a number or { pass, score, reason }`,
  );
}

/**
 * `javascript`: an expression (or function body with `return`) over the case, giving a boolean,
 * a score in 0..1, or `{ pass, score, reason }`. It runs in a separate V8 context with a time
 * limit; it is configuration, trusted like the rest of the file, not a sandbox for hostile code.
 */
export const javascript: Assertion<ConfigOf<'javascript'>> = {
  defaultThreshold: 1,
  compile(config) {
    const source = config.value.trim();
    const body = /\breturn\b/.test(source) ? source : `return (${source});`;
    const context = createContext({ __args: [] as unknown[] });
    let call: Script;
    try {
      new Script(`globalThis.__fn = function (${NAMES.join(', ')}) {\n${body}\n};`).runInContext(
        context,
      );
      call = new Script('__fn(...__args)');
    } catch (error) {
      throw new AssertionError('E_ASSERTION_INVALID', 'javascript', (error as Error).message, {
        cause: error,
      });
    }
    const label = source.length > 60 ? `${source.slice(0, 59)}…` : source;
    return (input: GradeInput): Score => {
      context.__args = [
        input.output,
        input.outputs,
        input.answer,
        input.inputs,
        input.query,
        input.reference,
        input.latencyMs,
        input.tokens,
        input.cost,
      ];
      const value: unknown = call.runInContext(context, { timeout: EVALUATION_TIMEOUT_MS });
      return toScore(value, label);
    };
  },
};
