import { DifyError } from './dify-error.js';
import { asObject } from '../core/json-value.js';
import { DifyHttp, describeError, type Fetch, type HttpResponse, type Json } from './dify-http.js';
import type { DifyRunResult } from './dify-run-result.js';
import { readRunStream } from './read-run-stream.js';
import { numeric } from './run-assembler.js';

/** Options every call takes last. */
export interface ConsoleCallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** What an import answered. */
export interface DslImportResult {
  readonly id: string;
  readonly status: 'completed' | 'completed-with-warnings' | 'pending' | 'failed';
  readonly appId: string | undefined;
  readonly currentDslVersion: string | undefined;
  readonly importedDslVersion: string | undefined;
  readonly error: string | undefined;
}

/** A workflow draft: the fields Dify needs back to sync it, and everything else as sent. */
export interface WorkflowDraft {
  readonly graph: Json;
  readonly features: Json;
  readonly hash: string;
  readonly environmentVariables: readonly unknown[];
  readonly conversationVariables: readonly unknown[];
  readonly raw: Json;
}

/** A draft or debug run of a console app: its inputs, and each event as it comes. */
export interface ConsoleRunRequest {
  readonly inputs: Json;
  /** A chatflow's or chat app's user message. */
  readonly query?: string;
  readonly conversationId?: string;
  readonly files?: readonly unknown[];
  readonly onEvent?: (event: Json) => void;
}

/** Which console run a task belongs to, for its stop call. */
export type ConsoleRunKind = 'workflow' | 'advanced-chat' | 'chat' | 'completion';

const CONSOLE_RUNS: Readonly<
  Record<
    ConsoleRunKind,
    {
      readonly mode: DifyRunResult['mode'];
      readonly path: (app: string) => string;
      readonly stop: (app: string, task: string) => string;
    }
  >
> = {
  workflow: {
    mode: 'workflow',
    path: (app) => `/apps/${app}/workflows/draft/run`,
    stop: (app, task) => `/apps/${app}/workflow-runs/tasks/${task}/stop`,
  },
  'advanced-chat': {
    mode: 'chat',
    path: (app) => `/apps/${app}/advanced-chat/workflows/draft/run`,
    stop: (app, task) => `/apps/${app}/workflow-runs/tasks/${task}/stop`,
  },
  chat: {
    mode: 'chat',
    path: (app) => `/apps/${app}/chat-messages`,
    stop: (app, task) => `/apps/${app}/chat-messages/${task}/stop`,
  },
  completion: {
    mode: 'completion',
    path: (app) => `/apps/${app}/completion-messages`,
    stop: (app, task) => `/apps/${app}/completion-messages/${task}/stop`,
  },
};

/** A console run's body: inputs and files, and for a conversation its query and id. */
function runPayload(request: ConsoleRunRequest, conversation: boolean): Json {
  return {
    inputs: request.inputs,
    ...(request.files === undefined ? {} : { files: request.files }),
    ...(conversation
      ? {
          query: request.query ?? '',
          ...(request.conversationId === undefined
            ? {}
            : { conversation_id: request.conversationId }),
        }
      : {}),
  };
}

type Session =
  | {
      readonly kind: 'cookie';
      readonly cookies: ReadonlyMap<string, string>;
      readonly csrf: string;
    }
  | { readonly kind: 'bearer'; readonly accessToken: string; readonly refreshToken: string };

/** Reads the cookies of a login answer into name → value, without the `__Host-` prefix. */
function readCookies(headers: HttpResponse['headers']): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of headers.getSetCookie?.() ?? []) {
    const pair = line.split(';', 1)[0] ?? '';
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}

function cookie(cookies: ReadonlyMap<string, string>, name: string): string | undefined {
  return cookies.get(name) ?? cookies.get(`__Host-${name}`);
}

const IMPORT_STATUSES = new Set(['completed', 'completed-with-warnings', 'pending', 'failed']);

/**
 * Dify's console API, for what the public API cannot do: log in (cookies with a CSRF token, or
 * the older bearer token), export and import an app's DSL (overwriting with `appId`, confirming a
 * pending import), read and sync the workflow draft (hash-checked), publish and list versions. The
 * password and tokens stay inside; a session that expires is refreshed once, on a 401.
 */
export class DifyConsoleClient {
  readonly #http: DifyHttp;
  #session: Session | undefined = undefined;

  constructor(options: {
    readonly baseUrl: string;
    readonly fetch?: Fetch;
    readonly userAgent?: string;
  }) {
    this.#http = new DifyHttp({
      base: `${options.baseUrl.replace(/\/+$/, '')}/console/api`,
      fetch: options.fetch,
      userAgent: options.userAgent,
      auth: () => this.#authHeaders(),
    });
  }

  /** Whether a login succeeded and its session is held. */
  get loggedIn(): boolean {
    return this.#session !== undefined;
  }

  /**
   * `POST /login`: keeps the session, whichever kind this Dify gives.
   * @throws DifyError (`E_DIFY_UNAUTHORIZED`, …), or `E_DIFY_BAD_RESPONSE` when the answer carries
   * neither cookies nor tokens.
   */
  async login(
    credentials: { readonly email: string; readonly password: string },
    options: ConsoleCallOptions = {},
  ): Promise<void> {
    this.#session = undefined;
    const response = await this.#http.request(
      'POST',
      '/login',
      { email: credentials.email, password: credentials.password, remember_me: true },
      options.signal,
    );
    this.#session = this.#readSession(
      response.headers,
      await this.#http.read(response, 'POST', '/login', options.signal),
    );
  }

  /** `POST /refresh-token`: renews the session. */
  async refresh(options: ConsoleCallOptions = {}): Promise<void> {
    const session = this.#requireSession('/refresh-token');
    const payload = session.kind === 'bearer' ? { refresh_token: session.refreshToken } : {};
    const response = await this.#http.request('POST', '/refresh-token', payload, options.signal);
    this.#session = this.#readSession(
      response.headers,
      await this.#http.read(response, 'POST', '/refresh-token', options.signal),
      session,
    );
  }

  /** `GET /apps/:id/export`: the app's DSL (its draft), as YAML. */
  async exportDsl(
    appId: string,
    options: ConsoleCallOptions & { readonly includeSecret?: boolean } = {},
  ): Promise<string> {
    const path = `/apps/${encodeURIComponent(appId)}/export?include_secret=${options.includeSecret === true}`;
    const body = await this.#call('GET', path, undefined, options.signal);
    if (typeof body.data !== 'string') throw this.#bad('GET', path, 'the export has no YAML data');
    return body.data;
  }

  /**
   * `POST /apps/imports`: imports a DSL, overwriting `appId` when given (else a new app). A
   * pending import (a DSL version mismatch) is confirmed when `confirmPending` is set.
   */
  async importDsl(
    dsl: { readonly yaml: string; readonly appId?: string },
    options: ConsoleCallOptions & { readonly confirmPending?: boolean } = {},
  ): Promise<DslImportResult> {
    const body = await this.#call(
      'POST',
      '/apps/imports',
      {
        mode: 'yaml-content',
        yaml_content: dsl.yaml,
        ...(dsl.appId === undefined ? {} : { app_id: dsl.appId }),
      },
      options.signal,
    );
    const result = this.#importResult(body);
    if (result.status === 'pending' && options.confirmPending === true) {
      return this.confirmImport(result.id, options);
    }
    return result;
  }

  /** `POST /apps/imports/:id/confirm`: goes ahead with a pending import. */
  async confirmImport(
    importId: string,
    options: ConsoleCallOptions = {},
  ): Promise<DslImportResult> {
    const body = await this.#call(
      'POST',
      `/apps/imports/${encodeURIComponent(importId)}/confirm`,
      {},
      options.signal,
    );
    return this.#importResult(body);
  }

  /** `GET /apps/:id/workflows/draft`. */
  async getDraft(appId: string, options: ConsoleCallOptions = {}): Promise<WorkflowDraft> {
    const path = `/apps/${encodeURIComponent(appId)}/workflows/draft`;
    const body = await this.#call('GET', path, undefined, options.signal);
    const graph = asObject(body.graph);
    if (graph === undefined || typeof body.hash !== 'string') {
      throw this.#bad('GET', path, 'the draft has no graph or hash');
    }
    return {
      graph,
      features: asObject(body.features) ?? {},
      hash: body.hash,
      environmentVariables: Array.isArray(body.environment_variables)
        ? body.environment_variables
        : [],
      conversationVariables: Array.isArray(body.conversation_variables)
        ? body.conversation_variables
        : [],
      raw: body,
    };
  }

  /**
   * `POST /apps/:id/workflows/draft`: saves a draft read earlier, checked by its hash.
   * @throws DifyError (`E_DIFY_DRAFT_CONFLICT`) when the draft changed since it was read.
   */
  async syncDraft(
    appId: string,
    draft: Pick<
      WorkflowDraft,
      'graph' | 'features' | 'hash' | 'environmentVariables' | 'conversationVariables'
    >,
    options: ConsoleCallOptions = {},
  ): Promise<{ readonly hash: string; readonly updatedAt: number | undefined }> {
    const path = `/apps/${encodeURIComponent(appId)}/workflows/draft`;
    const body = await this.#call(
      'POST',
      path,
      {
        graph: draft.graph,
        features: draft.features,
        hash: draft.hash,
        environment_variables: draft.environmentVariables,
        conversation_variables: draft.conversationVariables,
      },
      options.signal,
    );
    if (typeof body.hash !== 'string') throw this.#bad('POST', path, 'the sync answer has no hash');
    return { hash: body.hash, updatedAt: numeric(body.updated_at) };
  }

  /** `POST /apps/:id/workflows/publish`: publishes the draft. */
  async publish(
    appId: string,
    version: { readonly markedName?: string; readonly markedComment?: string } = {},
    options: ConsoleCallOptions = {},
  ): Promise<Json> {
    return this.#call(
      'POST',
      `/apps/${encodeURIComponent(appId)}/workflows/publish`,
      { marked_name: version.markedName ?? '', marked_comment: version.markedComment ?? '' },
      options.signal,
    );
  }

  /** `GET /apps/:id/workflows`: the published versions. */
  async listVersions(appId: string, options: ConsoleCallOptions = {}): Promise<readonly Json[]> {
    const body = await this.#call(
      'GET',
      `/apps/${encodeURIComponent(appId)}/workflows`,
      undefined,
      options.signal,
    );
    return Array.isArray(body.items) ? body.items.map((item) => asObject(item) ?? {}) : [];
  }

  /**
   * `POST /apps/:id/workflows/draft/run` (workflow) or `/advanced-chat/workflows/draft/run`
   * (chatflow): runs the app's draft, always streamed, and assembles the run from its events.
   * Aborting asks Dify to stop the run. A stream that ends before its final event is a retryable
   * `E_DIFY_STREAM_DROPPED` (the console has no run detail to recover it from).
   */
  runDraft(
    appId: string,
    kind: 'workflow' | 'advanced-chat',
    request: ConsoleRunRequest,
    options: ConsoleCallOptions = {},
  ): Promise<DifyRunResult> {
    const payload = runPayload(request, kind === 'advanced-chat');
    return this.#streamRun(appId, kind, payload, request, options.signal);
  }

  /**
   * `POST /apps/:id/chat-messages` or `/completion-messages`: a debug run of a chat or
   * completion app with `modelConfig` in place of its saved one (nothing is saved), streamed.
   */
  runDebug(
    appId: string,
    kind: 'chat' | 'completion',
    request: ConsoleRunRequest & { readonly modelConfig: Json },
    options: ConsoleCallOptions = {},
  ): Promise<DifyRunResult> {
    const payload = {
      ...runPayload(request, kind === 'chat'),
      model_config: request.modelConfig,
      response_mode: 'streaming',
    };
    return this.#streamRun(appId, kind, payload, request, options.signal);
  }

  /** Stops a draft or debug run by its task id. */
  async stopRun(
    appId: string,
    kind: ConsoleRunKind,
    taskId: string,
    options: ConsoleCallOptions = {},
  ): Promise<void> {
    const path = CONSOLE_RUNS[kind].stop(encodeURIComponent(appId), encodeURIComponent(taskId));
    await this.#call('POST', path, {}, options.signal);
  }

  /** `DELETE /apps/:id`: deletes an app (a sandbox copy, never the user's app). */
  async deleteApp(appId: string, options: ConsoleCallOptions = {}): Promise<void> {
    const path = `/apps/${encodeURIComponent(appId)}`;
    this.#requireSession(path);
    const send = async (): Promise<void> => {
      const response = await this.#http.request('DELETE', path, undefined, options.signal);
      // 204: the body, if any, is read and let go.
      await response.text();
    };
    await this.#renewing(send, options.signal);
  }

  async #streamRun(
    appId: string,
    kind: ConsoleRunKind,
    payload: Json,
    request: ConsoleRunRequest,
    signal: AbortSignal | undefined,
  ): Promise<DifyRunResult> {
    const route = CONSOLE_RUNS[kind];
    const path = route.path(encodeURIComponent(appId));
    this.#requireSession(path);
    const response = await this.#renewing(
      () => this.#http.request('POST', path, payload, signal),
      signal,
    );
    const { assembler, dropped } = await readRunStream(route.mode, response, {
      onEvent: request.onEvent,
      stop: (taskId, deadline) => this.stopRun(appId, kind, taskId, { signal: deadline }),
      signal,
    });
    if (assembler.finished) return assembler.result();
    throw new DifyError(
      'E_DIFY_STREAM_DROPPED',
      dropped === undefined
        ? "the draft run's stream ended before its final event"
        : `the draft run's stream broke (${describeError(dropped)})`,
      { context: this.#http.context('POST', path), retryable: true },
      { cause: dropped },
    );
  }

  /** Runs `call`; on a 401 (an expired session) renews the session once and runs it again. */
  async #renewing<T>(call: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DifyError) || error.status !== 401) throw error;
      await this.refresh({ signal });
      return call();
    }
  }

  #authHeaders(): Readonly<Record<string, string>> {
    const session = this.#session;
    if (session === undefined) return {};
    if (session.kind === 'bearer') return { authorization: `Bearer ${session.accessToken}` };
    const cookies = [...session.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return { cookie: cookies, 'x-csrf-token': session.csrf };
  }

  #readSession(headers: HttpResponse['headers'], body: Json, previous?: Session): Session {
    const data = asObject(body.data);
    const accessToken = data?.access_token;
    if (typeof accessToken === 'string') {
      const refreshToken = data?.refresh_token;
      return {
        kind: 'bearer',
        accessToken,
        refreshToken:
          typeof refreshToken === 'string'
            ? refreshToken
            : previous?.kind === 'bearer'
              ? previous.refreshToken
              : '',
      };
    }
    const fresh = readCookies(headers);
    const cookies = new Map(previous?.kind === 'cookie' ? previous.cookies : []);
    for (const [name, value] of fresh) cookies.set(name, value);
    const csrf = cookie(cookies, 'csrf_token');
    if (cookie(cookies, 'access_token') === undefined || csrf === undefined) {
      throw this.#bad('POST', '/login', 'the answer carries neither session cookies nor tokens');
    }
    return { kind: 'cookie', cookies, csrf };
  }

  #requireSession(path: string): Session {
    if (this.#session === undefined) {
      throw new DifyError('E_DIFY_NOT_LOGGED_IN', 'log in to the console first', {
        context: this.#http.context('POST', path),
        retryable: false,
      });
    }
    return this.#session;
  }

  async #call(
    method: string,
    path: string,
    payload: Json | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Json> {
    this.#requireSession(path);
    return this.#renewing(() => this.#http.json(method, path, payload, signal), signal);
  }

  #importResult(body: Json): DslImportResult {
    const status =
      typeof body.status === 'string' && IMPORT_STATUSES.has(body.status) ? body.status : 'failed';
    const text = (value: unknown): string | undefined =>
      typeof value === 'string' && value !== '' ? value : undefined;
    return {
      id: text(body.id) ?? '',
      status: status as DslImportResult['status'],
      appId: text(body.app_id),
      currentDslVersion: text(body.current_dsl_version),
      importedDslVersion: text(body.imported_dsl_version),
      error: text(body.error),
    };
  }

  #bad(method: string, path: string, message: string): DifyError {
    return new DifyError('E_DIFY_BAD_RESPONSE', message, {
      context: this.#http.context(method, path),
      retryable: false,
    });
  }
}
