import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyOpenAiFailure } from './openai-failure.js';

const answered = (status: number | undefined, headers: Record<string, string> = {}): APIError =>
  new APIError(status, undefined, `status ${String(status)}`, new Headers(headers));

describe('classifyOpenAiFailure', () => {
  it("gives back the caller's abort reason, or the package's error without a signal", () => {
    const controller = new AbortController();
    const reason = new Error('stopped');
    controller.abort(reason);
    const aborted = new APIUserAbortError();
    expect(classifyOpenAiFailure(aborted, controller.signal)).toEqual({ kind: 'aborted', reason });
    expect(classifyOpenAiFailure(aborted, undefined)).toEqual({ kind: 'aborted', reason: aborted });
  });

  it('names an unreachable endpoint and leaves errors of its own alone', () => {
    const failure = classifyOpenAiFailure(
      new APIConnectionError({ message: 'refused' }),
      undefined,
    );
    expect(failure).toEqual({ kind: 'unreachable', message: 'refused' });
    expect(classifyOpenAiFailure(new TypeError('bug'), undefined)).toEqual({ kind: 'other' });
  });

  it('reads the wait a 429 asks for, in ms or in seconds, and none when it is not a number', () => {
    const waitOf = (headers: Record<string, string>): unknown =>
      classifyOpenAiFailure(answered(429, headers), undefined);
    expect(waitOf({ 'retry-after-ms': '250', 'retry-after': '9' })).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 250,
    });
    expect(waitOf({ 'retry-after': '2' })).toMatchObject({ retryAfterMs: 2000 });
    expect(waitOf({ 'retry-after-ms': 'soon', 'retry-after': 'later' })).toMatchObject({
      retryAfterMs: undefined,
    });
    expect(waitOf({})).toMatchObject({ retryAfterMs: undefined });
  });

  it('retries 5xx, 408, 409 and answers without a status, never another 4xx', () => {
    const retryable = (status: number | undefined): unknown =>
      classifyOpenAiFailure(answered(status), undefined);
    for (const status of [500, 503, 408, 409, undefined])
      expect(retryable(status)).toMatchObject({ kind: 'http', status, retryable: true });
    for (const status of [400, 401, 404])
      expect(retryable(status)).toMatchObject({ kind: 'http', status, retryable: false });
  });
});
