import { AutoOptError, type AutoOptErrorOptions } from '../core/autoopt-error.js';

/** The viewer cannot answer a request or start: what was wrong (`E_VIEW_…`). */
export class ViewerError extends AutoOptError {
  override readonly code: `E_VIEW_${string}`;
  /** The HTTP status a request that failed so is answered with. */
  readonly status: 400 | 401 | 403 | 404 | 405 | 500;

  constructor(
    code: `E_VIEW_${string}`,
    message: string,
    status: ViewerError['status'],
    options: AutoOptErrorOptions = {},
  ) {
    super(code, message, options);
    this.code = code;
    this.status = status;
  }
}
