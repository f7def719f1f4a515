import { AutoOptError } from '../core/autoopt-error.js';

/** A run the store does not have, or that cannot be resumed. */
export class RunNotFoundError extends AutoOptError {
  constructor(runId: string) {
    super('E_RUN_NOT_FOUND', `no run ${runId} in the run store`);
  }
}

/** A run resumed with another configuration's cases: refused unless forced. */
export class ResumeMismatchError extends AutoOptError {
  constructor(message: string) {
    super('E_RESUME_MISMATCH', message);
  }
}
