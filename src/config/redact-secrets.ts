/** The keys whose values are secrets, wherever they stand in a configuration. */
const SECRET_KEYS = new Set([
  'api_key',
  'password',
  'apiKey',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
]);

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * A copy of a configuration (or any JSON value) with every secret replaced, for the run store,
 * logs and reports.
 */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => redactSecrets(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEYS.has(key) && item !== undefined && item !== null && item !== ''
        ? REDACTED
        : redactSecrets(item as unknown),
    ]),
  ) as T;
}
