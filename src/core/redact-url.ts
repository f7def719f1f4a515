/**
 * A URL as it may be shown (logs, messages, the store): its password replaced by `***`. Text
 * that is not a URL loses whatever sits between `//` and `@`, in case it is credentials.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}
