import { AutoOptError, type AutoOptErrorOptions } from '../core/autoopt-error.js';

/** The run store cannot be opened or written: which file and why (`E_STORE_…`). */
export class StoreError extends AutoOptError {
  override readonly code: `E_STORE_${string}`;
  readonly path: string;
  /** What went wrong, without the file's name. */
  readonly detail: string;

  constructor(
    code: `E_STORE_${string}`,
    detail: string,
    path: string,
    options: AutoOptErrorOptions = {},
  ) {
    super(code, `run store ${path}: ${detail}`, options);
    this.code = code;
    this.path = path;
    this.detail = detail;
  }
}

/** Maps SQLite's failures to what a user can act on. */
export function toStoreError(error: unknown, path: string): StoreError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreError('E_STORE_LOCKED', `locked by another process (${message})`, path, {
      cause: error,
    });
  }
  if (
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'EACCES' ||
    code === 'EROFS'
  ) {
    return new StoreError('E_STORE_UNWRITABLE', `cannot be opened for writing (${message})`, path, {
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new StoreError(
      'E_STORE_FULL',
      `the disk is full (${message}); results stored so far are kept`,
      path,
      { cause: error },
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new StoreError('E_STORE_CORRUPT', `is not a readable run store (${message})`, path, {
      cause: error,
    });
  }
  return new StoreError('E_STORE_FAILED', message, path, { cause: error });
}
