import { AutoOptError } from '../core/autoopt-error.js';

/** An assertion that cannot be compiled or evaluated. */
export class AssertionError extends AutoOptError {
  /** The assertion's label. */
  readonly assertion: string;

  constructor(
    code: 'E_ASSERTION_INVALID' | 'E_ASSERTION_FAILED' | 'E_JUDGE_MISSING',
    assertion: string,
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(code, `${assertion}: ${message}`, options);
    this.assertion = assertion;
  }
}
