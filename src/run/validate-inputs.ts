import { asText } from '../core/json-value.js';
import type { DifyInputField } from '../dify/dify-client.js';
import type { PlannedCase } from './planned-case.js';

/** One input Dify would refuse, found before any run. */
export interface InputProblem {
  readonly caseId: string;
  readonly variable: string;
  readonly message: string;
}

/**
 * Checks cases' inputs against an app's input form, as Dify would: required variables present,
 * texts within `max_length`, select values among the options.
 */
export function validateInputs(
  cases: Iterable<Pick<PlannedCase, 'caseId' | 'inputs'>>,
  form: readonly DifyInputField[],
): InputProblem[] {
  const problems: InputProblem[] = [];
  const known = new Set(form.map((field) => field.variable));
  for (const c of cases) {
    // A name the app does not have (a typo): Dify ignores it, and the input it meant is missing.
    for (const name of Object.keys(c.inputs))
      if (form.length > 0 && !known.has(name))
        problems.push({
          caseId: c.caseId,
          variable: name,
          message: `${name} is not one of the app's inputs (${[...known].join(', ')})`,
        });
    for (const field of form) {
      const value = c.inputs[field.variable];
      const missing = value === undefined || value === null || value === '';
      if (field.required && missing) {
        problems.push({
          caseId: c.caseId,
          variable: field.variable,
          message: `${field.variable} is required`,
        });
        continue;
      }
      if (
        typeof value === 'string' &&
        field.maxLength !== undefined &&
        value.length > field.maxLength
      ) {
        problems.push({
          caseId: c.caseId,
          variable: field.variable,
          message: `${field.variable} is ${value.length} characters, over max_length ${field.maxLength}`,
        });
      }
      if (
        !missing &&
        field.options !== undefined &&
        field.options.length > 0 &&
        !field.options.includes(asText(value))
      ) {
        problems.push({
          caseId: c.caseId,
          variable: field.variable,
          message: `${field.variable} is ${JSON.stringify(asText(value))}, not one of ${field.options.join(', ')}`,
        });
      }
    }
  }
  return problems;
}
