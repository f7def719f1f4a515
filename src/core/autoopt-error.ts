/**
 * Options every error of the project accepts: the underlying cause, always passed on.
 */
export interface AutoOptErrorOptions {
  readonly cause?: unknown;
}

/**
 * The root of the project's error hierarchy. Callers decide on `code`, never on the message.
 */
export class AutoOptError extends Error {
  /** A stable, machine-readable code such as `E_TASK_TIMEOUT`. */
  readonly code: string;

  constructor(code: string, message: string, options: AutoOptErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.name = new.target.name;
  }
}
