import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('replaces every secret, at any depth, and leaves the rest', () => {
    const config = {
      dify: { base_url: 'http://x', password: 'hunter2', email: 'a@b.c' },
      workflows: [{ id: 'wf', api_key: 'app-secret', inputs: { q: 'hi' } }],
      judge: { api_key: '', model: 'm' },
    };
    expect(redactSecrets(config)).toEqual({
      dify: { base_url: 'http://x', password: REDACTED, email: 'a@b.c' },
      workflows: [{ id: 'wf', api_key: REDACTED, inputs: { q: 'hi' } }],
      judge: { api_key: '', model: 'm' },
    });
    expect(JSON.stringify(redactSecrets(config))).not.toMatch(/hunter2|app-secret/);
    expect(config.dify.password).toBe('hunter2');
  });
});
