import { describe, expect, it } from 'vitest';
import { fixtureJson } from '../../test/support/fixtures.js';
import { DifyError, parseConcurrencyLimit, parseRetryAfter, toDifyError } from './dify-error.js';

const context = { endpoint: 'POST /workflows/run', app: 'translate' };

interface CatalogEntry {
  readonly endpoint: string;
  readonly httpStatus: number;
  readonly body: unknown;
}

describe('toDifyError', () => {
  it.each([
    ['error-400-invalid-param.json', 400, 'E_DIFY_INVALID_PARAM', false, false],
    ['error-401-unauthorized.json', 401, 'E_DIFY_UNAUTHORIZED', false, true],
    ['error-429-rate-limit-error.json', 429, 'E_DIFY_RATE_LIMITED', true, false],
    ['error-429-too-many-requests.json', 429, 'E_DIFY_TOO_MANY_REQUESTS', true, false],
    ['error-429-too-many-requests.no-limit.json', 429, 'E_DIFY_TOO_MANY_REQUESTS', true, false],
  ] as const)('maps %s by status and code', (file, status, code, retryable, fatal) => {
    const error = toDifyError({ status, body: fixtureJson(`responses/${file}`), context });
    expect(error).toBeInstanceOf(DifyError);
    expect(error).toMatchObject({
      code,
      status,
      retryable,
      fatal,
      endpoint: 'POST /workflows/run',
      app: 'translate',
    });
    expect(error.message).toMatch(/^POST \/workflows\/run \(app translate\): /);
  });

  it('reads the concurrency cap a 429 states, and none when it does not', () => {
    const stated = toDifyError({
      status: 429,
      body: fixtureJson('responses/error-429-too-many-requests.json'),
      context,
    });
    expect(stated).toMatchObject({ concurrencyLimit: 10, rateLimited: true });
    const unstated = toDifyError({
      status: 429,
      body: fixtureJson('responses/error-429-too-many-requests.no-limit.json'),
      context,
    });
    expect(unstated.concurrencyLimit).toBeUndefined();
    expect(unstated.rateLimited).toBe(true);
  });

  it('maps every error of the catalog to a typed error with the right retry decision', () => {
    const catalog = fixtureJson('responses/errors-catalog.json') as CatalogEntry[];
    const fatal = new Set(['provider_quota_exceeded', 'unauthorized']);
    const retryable = new Set([
      'completion_request_error',
      'too_many_requests',
      'rate_limit_error',
      'internal_server_error',
    ]);
    for (const entry of catalog) {
      const error = toDifyError({ status: entry.httpStatus, body: entry.body, context });
      const code = (entry.body as { code?: string }).code ?? '';
      expect(error.code).toMatch(/^E_DIFY_[A-Z_]+$/);
      expect(error.difyCode).toBe(code);
      expect(error.retryable, `${entry.endpoint} ${code}`).toBe(retryable.has(code));
      expect(error.fatal, `${entry.endpoint} ${code}`).toBe(fatal.has(code));
    }
  });

  it('stops the run on a spent quota and on a daily plan cap', () => {
    expect(
      toDifyError({
        status: 400,
        body: { code: 'provider_quota_exceeded', message: 'quota' },
        context,
      }),
    ).toMatchObject({
      code: 'E_DIFY_QUOTA_EXCEEDED',
      fatal: true,
      retryable: false,
    });
    expect(
      toDifyError({
        status: 429,
        body: { code: 'rate_limit_error', message: 'You have reached 500 requests/day.' },
        context,
      }),
    ).toMatchObject({ code: 'E_DIFY_RATE_LIMITED', fatal: true, retryable: false });
  });

  it('keeps the bad params of an invalid_param and falls back on the status for unknown codes', () => {
    expect(
      toDifyError({
        status: 400,
        body: { code: 'invalid_param', message: 'bad', params: 'query' },
        context,
      }).details,
    ).toBe('query');
    expect(toDifyError({ status: 502, body: 'Bad Gateway', context })).toMatchObject({
      code: 'E_DIFY_SERVER',
      retryable: true,
      message: 'POST /workflows/run (app translate): HTTP 502: HTTP 502',
    });
    expect(
      toDifyError({ status: 404, body: { code: 'not_found', message: 'no' }, context }),
    ).toMatchObject({ code: 'E_DIFY_NOT_FOUND', retryable: false });
    expect(toDifyError({ status: 418, body: {}, context: { endpoint: 'GET /x' } })).toMatchObject({
      code: 'E_DIFY_SERVER',
      retryable: false,
      message: 'GET /x: HTTP 418: HTTP 418',
    });
  });

  it('honours a Retry-After a proxy adds', () => {
    expect(toDifyError({ status: 429, body: {}, retryAfter: '3', context }).retryAfterMs).toBe(
      3000,
    );
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });

  it('parses the cap from both phrasings Dify uses', () => {
    expect(parseConcurrencyLimit('… allowed for app-123 is 10.')).toBe(10);
    expect(
      parseConcurrencyLimit('Too many requests. The maximum concurrent requests allowed is 3.'),
    ).toBe(3);
    expect(parseConcurrencyLimit('Too many requests. Please try again later.')).toBeUndefined();
  });
});
