import { DifyError, toDifyError, type DifyCallContext } from './dify-error.js';
import { nodeHttpFetch, type Fetch, type HttpResponse } from './http-transport.js';

export type { Fetch, HttpResponse } from './http-transport.js';
import { asObject, isPlainObject, type JsonObject } from '../core/json-value.js';

/** A JSON object as Dify sends it. */
export type Json = JsonObject;

/** A request body: JSON, or a multipart form. */
export type Payload = Json | FormData | undefined;

/** Parses a JSON text, or undefined. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A thrown value's message, with its cause's: for error messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * HTTP to one Dify base URL: headers, the mapping of every answer that is not a success to a
 * typed {@link DifyError}, and JSON bodies. Authorization comes from a callback, so secrets stay
 * with their owner and never reach an error.
 */
export class DifyHttp {
  readonly #base: string;
  readonly #fetch: Fetch;
  readonly #userAgent: string;
  readonly #app: string | undefined;
  readonly #auth: () => Readonly<Record<string, string>>;

  constructor(options: {
    readonly base: string;
    readonly fetch?: Fetch | undefined;
    readonly userAgent?: string | undefined;
    readonly app?: string | undefined;
    readonly auth: () => Readonly<Record<string, string>>;
  }) {
    this.#base = options.base.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? nodeHttpFetch;
    this.#userAgent = options.userAgent ?? 'dify-autoopt';
    this.#app = options.app;
    this.#auth = options.auth;
  }

  /** Names a call for errors: `POST /workflows/run`, with the app. */
  context(method: string, path: string): DifyCallContext {
    return { endpoint: `${method} ${path.replace(/\?.*$/, '')}`, app: this.#app };
  }

  /**
   * Sends a request; any answer but 2xx becomes a {@link DifyError}.
   * @throws DifyError (`E_DIFY_NETWORK` when Dify cannot be reached, or as the answer says);
   * the signal's reason when it aborts.
   */
  async request(
    method: string,
    path: string,
    payload: Payload,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...this.#auth(), 'user-agent': this.#userAgent };
    let body: string | FormData | undefined;
    // A plain object is JSON; anything else is a form. (Not `instanceof FormData`: the global
    // loads node's whole fetch implementation on first touch, ~50 ms of every run's start.)
    if (payload !== undefined && !isPlainObject(payload)) {
      body = payload as FormData;
    } else if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload);
    }
    let response: HttpResponse;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw new DifyError(
        'E_DIFY_NETWORK',
        `cannot reach Dify: ${describeError(error)}`,
        { context: this.context(method, path), retryable: true },
        { cause: error },
      );
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw toDifyError({
        status: response.status,
        body: parseJson(text) ?? { message: text.slice(0, 500) },
        retryAfter: response.headers.get('retry-after'),
        context: this.context(method, path),
      });
    }
    return response;
  }

  /**
   * Sends a request and reads its JSON object.
   * @throws DifyError (`E_DIFY_BAD_RESPONSE`) when the answer is not a JSON object.
   */
  async json(
    method: string,
    path: string,
    payload: Payload,
    signal: AbortSignal | undefined,
  ): Promise<Json> {
    const response = await this.request(method, path, payload, signal);
    return this.read(response, method, path, signal);
  }

  /** Reads an answer's JSON object. */
  async read(
    response: HttpResponse,
    method: string,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<Json> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw new DifyError(
        'E_DIFY_NETWORK',
        `the answer was cut: ${describeError(error)}`,
        { context: this.context(method, path), retryable: true },
        { cause: error },
      );
    }
    const body = asObject(parseJson(text));
    if (body === undefined) {
      throw new DifyError(
        'E_DIFY_BAD_RESPONSE',
        `expected a JSON object, got ${JSON.stringify(text.slice(0, 200))}`,
        { context: this.context(method, path), status: response.status, retryable: true },
      );
    }
    return body;
  }
}
