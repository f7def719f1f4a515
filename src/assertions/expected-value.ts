import { asObject } from '../core/json-value.js';
import type { GradeInput } from './assertion.js';

const PLACEHOLDER = /\{\{\s*(reference|query|inputs\.[\w-]+|outputs\.[\w-]+)\s*\}\}/g;

function lookup(input: GradeInput, key: string): unknown {
  if (key === 'reference') return input.reference;
  if (key === 'query') return input.query;
  const [scope, name = ''] = key.split('.', 2);
  return (scope === 'inputs' ? input.inputs : input.outputs)[name];
}

/**
 * Fills `{{reference}}`, `{{query}}`, `{{inputs.NAME}}` and `{{outputs.NAME}}` in a configured
 * text with the case's values.
 */
export function fillPlaceholders(text: string, input: GradeInput): string {
  return text.replace(PLACEHOLDER, (_, key: string) => {
    const value = lookup(input, key);
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * What an assertion expects: its configured value (placeholders filled), or else the case's
 * reference (the reference's field of the same name when the assertion grades one output field
 * and the reference is an object that has it).
 */
export function expectedValue(
  value: unknown,
  output: string | undefined,
  input: GradeInput,
): unknown {
  if (typeof value === 'string') return fillPlaceholders(value, input);
  if (value !== undefined) return value;
  const reference = asObject(input.reference);
  if (output !== undefined && reference !== undefined && output in reference)
    return reference[output];
  return input.reference;
}
