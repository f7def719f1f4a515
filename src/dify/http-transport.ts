import http, { type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { isPlainObject } from '../core/json-value.js';

/** What the clients read of an HTTP answer; the global `Response` has all of it. */
export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: {
    get(name: string): string | null;
    getSetCookie?(): string[];
  };
  text(): Promise<string>;
  readonly body: AsyncIterable<Uint8Array> | null;
}

/** A fetch-compatible function: the global `fetch`, {@link nodeHttpFetch}, or a test's own. */
export type Fetch = (input: string, init: RequestInit) => Promise<HttpResponse>;

/** How one scheme's requests go out: its request function and its keep-alive agent. */
interface Transport {
  readonly request: typeof http.request;
  readonly agent: http.Agent;
}

// Keep-alive connections, reused across requests as a long run makes thousands of them.
const plainTransport: Transport = {
  request: http.request,
  agent: new http.Agent({ keepAlive: true }),
};
// node:https (and TLS under it) loads with the first https URL: ~9 ms of every start otherwise.
let tlsTransport: Transport | undefined;

function secureTransport(): Transport {
  if (tlsTransport === undefined) {
    const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');
    tlsTransport = { request: https.request, agent: new https.Agent({ keepAlive: true }) };
  }
  return tlsTransport;
}

function plainHeaders(headers: RequestInit['headers']): Record<string, string> {
  if (headers === undefined) return {};
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  // A plain object is used as it is, without touching the global Headers (which loads node's
  // fetch implementation on first use).
  if (isPlainObject(headers)) return { ...(headers as Record<string, string>) };
  return Object.fromEntries((headers as Headers).entries());
}

/**
 * The clients' default transport: node:http with keep-alive agents, several times cheaper in
 * CPU and memory per request than the global fetch (whose web streams dominate a run's cost).
 * Multipart bodies go through the global fetch. The signal aborts the request or its body with
 * the signal's reason.
 */
export const nodeHttpFetch: Fetch = (input, init) => {
  const url = new URL(input);
  const transport =
    url.protocol === 'https:'
      ? secureTransport()
      : url.protocol === 'http:'
        ? plainTransport
        : undefined;
  if (
    transport === undefined ||
    (init.body !== undefined && init.body !== null && typeof init.body !== 'string')
  ) {
    return globalThis.fetch(input, init);
  }
  const { signal } = init;
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  const { request: send, agent } = transport;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const body = typeof init.body === 'string' ? init.body : undefined;
    const headers = plainHeaders(init.headers);
    // A known length lets node send the headers and the body in one write, not chunked.
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const request = send({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      method: init.method ?? 'GET',
      headers,
      agent,
    });
    const onAbort = (): void => {
      const reason = signal?.reason as Error;
      request.destroy(reason);
      if (!settled) {
        settled = true;
        reject(reason);
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    request.on('response', (response) => {
      settled = true;
      const status = response.statusCode ?? 0;
      // An abort while the body is read ends the body with the reason.
      const onBodyAbort = (): void => {
        response.destroy(signal?.reason as Error);
      };
      signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onBodyAbort, { once: true });
      // The caller's signal outlives the request (the executor reuses it): leave nothing on it.
      response.on('close', () => {
        signal?.removeEventListener('abort', onBodyAbort);
      });
      resolve(responseOf(response, status));
    });
    request.end(body);
  });
};

/** An answer as the clients read it: status, headers, the whole text, or the body as it comes. */
function responseOf(response: IncomingMessage, status: number): HttpResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get: (name) => {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
      getSetCookie: () => response.headers['set-cookie'] ?? [],
    },
    text: () =>
      new Promise<string>((resolveText, rejectText) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          resolveText(
            chunks.length === 1
              ? (chunks[0] as Buffer).toString('utf8')
              : Buffer.concat(chunks).toString('utf8'),
          );
        });
        response.once('error', rejectText);
        // Destroyed before its end (an abort, a cut connection): no 'end' will come.
        response.once('close', () => {
          if (!response.complete) {
            rejectText(response.errored ?? new Error('the answer was cut'));
          }
        });
      }),
    body: response,
  };
}
