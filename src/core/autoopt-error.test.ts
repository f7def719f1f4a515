import { describe, expect, it } from 'vitest';
import { AutoOptError } from './autoopt-error.js';

describe('AutoOptError', () => {
  it('carries a code, its class name and the cause it was given', () => {
    const cause = new Error('root');
    const error = new AutoOptError('E_X', 'failed', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'E_X', message: 'failed', name: 'AutoOptError', cause });
  });

  it('has no cause when none is given, even an undefined one', () => {
    expect('cause' in new AutoOptError('E_X', 'm')).toBe(false);
    expect('cause' in new AutoOptError('E_X', 'm', { cause: undefined })).toBe(true);
  });
});
