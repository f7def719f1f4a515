/** The graded value as text: strings as they are, anything else as JSON. */
export function outputText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

const FENCE = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n\s*```\s*$/;

/**
 * The graded value as JSON: objects as they are, strings parsed (one fenced code block around
 * them, as models often write, is removed first).
 * @returns `{ ok: false, reason }` when the text is not JSON.
 */
export function outputJson(
  value: unknown,
): { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly reason: string } {
  if (typeof value !== 'string') {
    return value === undefined ? { ok: false, reason: 'no output' } : { ok: true, json: value };
  }
  const text = FENCE.exec(value)?.[1] ?? value;
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
}

/** A short quote of a value for reasons: at most `max` characters. */
export function quote(value: unknown, max = 80): string {
  const text = outputText(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}
