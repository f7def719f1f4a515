import { useEffect, useState } from 'preact/hooks';

/** An API error as the server words it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GETs `path` from the viewer's API. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { signal: signal ?? null, credentials: 'same-origin' });
  const body = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok)
    throw new ApiError(
      response.status,
      body.error?.code ?? 'E_HTTP',
      body.error?.message ?? response.statusText,
    );
  return body;
}

/** What a fetch has come to: nothing yet, the value, or the error. */
export type Loaded<T> =
  | { readonly state: 'loading'; readonly value?: T }
  | { readonly state: 'ok'; readonly value: T }
  | { readonly state: 'error'; readonly error: Error; readonly value?: T };

/**
 * `path`'s JSON, fetched again whenever `path` or `version` (the store's, pushed by the server)
 * changes; the last value stays shown while the next loads.
 */
export function useJson<T>(path: string | undefined, version: number): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === undefined) return undefined;
    const controller = new AbortController();
    getJson<T>(path, controller.signal).then(
      (value) => {
        setLoaded({ state: 'ok', value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setLoaded((last) => ({
            state: 'error',
            error: error as Error,
            ...(last.value === undefined ? {} : { value: last.value }),
          }));
      },
    );
    return () => {
      controller.abort();
    };
  }, [path, version]);
  return loaded;
}

/**
 * The store's version, bumped when the server's events stream says another connection wrote
 * to it (a run in progress), at most every half second; and whether the stream is open.
 */
export function useStoreVersion(): { readonly version: number; readonly live: boolean } {
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/events');
    let timer: number | undefined;
    source.addEventListener('hello', () => {
      setLive(true);
    });
    source.addEventListener('change', () => {
      timer ??= window.setTimeout(() => {
        timer = undefined;
        setVersion((v) => v + 1);
      }, 500);
    });
    source.onerror = () => {
      setLive(false);
    };
    return () => {
      source.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, []);
  return { version, live };
}
