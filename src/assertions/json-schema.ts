import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ValidateFunction } from 'ajv';
import type { Assertion, Score } from './assertion.js';
import { AssertionError } from './assertion-error.js';
import type { ConfigOf } from './config-of.js';
import { outputJson } from './output-text.js';

/** `json_schema`: the output is JSON valid against the schema (JSON Schema draft-07, via Ajv). */
export const jsonSchema: Assertion<ConfigOf<'json_schema'>> = {
  defaultThreshold: 1,
  compile(config) {
    let validate: ValidateFunction;
    try {
      // Loaded on first use: most suites never validate a schema, and Ajv is large.
      const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
      validate = new Ajv({ allErrors: true, strict: false }).compile(config.value);
    } catch (error) {
      throw new AssertionError('E_ASSERTION_INVALID', 'json_schema', (error as Error).message, {
        cause: error,
      });
    }
    return (input): Score => {
      const parsed = outputJson(input.output);
      if (!parsed.ok) return { score: 0, pass: false, reason: parsed.reason };
      if (validate(parsed.json)) return { score: 1, pass: true, reason: 'matches the schema' };
      const errors = (validate.errors ?? [])
        .map(
          (e) => `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message ?? 'invalid'}`,
        )
        .join('; ');
      return { score: 0, pass: false, reason: `does not match the schema: ${errors}` };
    };
  },
};
