import { AutoOptError } from '../core/autoopt-error.js';

/** An optimization that cannot start, or had to stop: what, and what to do. */
export class OptimizeError extends AutoOptError {
  constructor(
    code:
      | 'E_OPTIMIZE_INTERRUPTED'
      | 'E_OPTIMIZE_STOPPED'
      | 'E_OPTIMIZE_TARGET'
      | 'E_OPTIMIZE_NOT_FOUND'
      | 'E_OPTIMIZE_APPLY_CONFLICT'
      | 'E_OPTIMIZE_CONFIG',
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
