import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it("hides a URL's password and keeps the rest", () => {
    expect(redactUrl('redis://:s3cret@queue-host:6379')).toBe('redis://:***@queue-host:6379');
    expect(redactUrl('redis://user:s3cret@queue-host:6379/2')).toBe(
      'redis://user:***@queue-host:6379/2',
    );
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://user@host:6379')).toBe('redis://user@host:6379');
  });

  it('hides what may be credentials in text that is not a URL', () => {
    expect(redactUrl('//:s3cret@host not a url')).toBe('//***@host not a url');
  });
});
