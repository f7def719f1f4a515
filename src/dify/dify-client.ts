import { sleep, systemClock } from '../core/clock.js';
import { DifyError } from './dify-error.js';
import {
  DifyHttp,
  describeError as describe,
  parseJson,
  type Fetch,
  type HttpResponse,
  type Json,
} from './dify-http.js';
import type { DifyRunResult } from './dify-run-result.js';
import { RunAssembler, numeric } from './run-assembler.js';
import { readRunStream } from './read-run-stream.js';
import { asObject, asString } from '../core/json-value.js';

/** How to reach one Dify app through the public API. */
export interface DifyClientOptions {
  /** `{host}/v1`. */
  readonly apiBase: string;
  /** The app's key (`app-…`). It is sent, never logged nor put in an error. */
  readonly apiKey: string;
  /** The app's name or id, for error messages. */
  readonly app?: string;
  /** @default globalThis.fetch */
  readonly fetch?: Fetch;
  /** @default `dify-autoopt` */
  readonly userAgent?: string;
  /** Reading back a run whose stream dropped: checks of the run detail while it still runs. */
  readonly recovery?: { readonly attempts: number; readonly delayMs: number };
}

/** Options every call takes last. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** `blocking` waits for the whole answer; `streaming` reads events as they come. */
export type ResponseMode = 'blocking' | 'streaming';

/** A file input: uploaded first (`local_file`) or fetched by Dify (`remote_url`). */
export type DifyFileInput =
  | {
      readonly type: 'document' | 'image' | 'audio' | 'video' | 'custom';
      readonly transfer_method: 'local_file';
      readonly upload_file_id: string;
    }
  | {
      readonly type: 'document' | 'image' | 'audio' | 'video' | 'custom';
      readonly transfer_method: 'remote_url';
      readonly url: string;
    };

interface RunCommon {
  readonly user: string;
  /** @default 'streaming' */
  readonly responseMode?: ResponseMode;
  readonly files?: readonly DifyFileInput[];
  /** Each streamed event, as it comes. */
  readonly onEvent?: (event: Json) => void;
}

/** A workflow run's request. */
export interface WorkflowRunRequest extends RunCommon {
  readonly inputs: Json;
  /** Run this published version rather than the latest. */
  readonly workflowId?: string;
}

/** A chat message (chat, agent-chat and chatflow apps). */
export interface ChatMessageRequest extends RunCommon {
  readonly query: string;
  readonly inputs?: Json;
  readonly conversationId?: string;
}

/** A completion message. */
export interface CompletionMessageRequest extends RunCommon {
  readonly inputs: Json;
}

/** `GET /info`. */
export interface DifyAppInfo {
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly mode: string;
  readonly authorName: string | undefined;
}

/** One field of the app's input form. */
export interface DifyInputField {
  readonly type: string;
  readonly variable: string;
  readonly label: string;
  readonly required: boolean;
  readonly default: unknown;
  readonly maxLength: number | undefined;
  readonly options: readonly string[] | undefined;
}

/** `GET /parameters`: the input form, and the rest as Dify sent it. */
export interface DifyParameters {
  readonly inputs: readonly DifyInputField[];
  readonly raw: Json;
}

/** `GET /workflows/run/:id`: the run's result and its inputs. */
export interface DifyRunDetail extends DifyRunResult {
  readonly inputs: Json;
}

/** `POST /files/upload`. */
export interface DifyUploadedFile {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly extension: string;
  readonly mimeType: string;
  readonly createdAt: number | undefined;
}

/** A page of `GET /workflows/logs`. */
export interface DifyLogPage {
  readonly page: number;
  readonly limit: number;
  readonly total: number;
  readonly hasMore: boolean;
  readonly data: readonly Json[];
}

type RunKind = 'workflow' | 'chat' | 'completion';

const STOP_PATH: Readonly<Record<RunKind, (taskId: string) => string>> = {
  workflow: (taskId) => `/workflows/tasks/${encodeURIComponent(taskId)}/stop`,
  chat: (taskId) => `/chat-messages/${encodeURIComponent(taskId)}/stop`,
  completion: (taskId) => `/completion-messages/${encodeURIComponent(taskId)}/stop`,
};

/**
 * Dify's public (service) API for one app: workflow runs, chat and completion messages (blocking
 * and streaming), stop, run detail, logs, file upload, parameters and info. Every call takes a
 * signal; aborting a streaming run also asks Dify to stop it. A stream that ends without its final
 * event is read back from the run detail. Failures throw {@link DifyError}; a run that Dify
 * reports failed is a result with `status: 'failed'`, not an error.
 */
export class DifyClient {
  readonly #http: DifyHttp;
  readonly #recovery: { readonly attempts: number; readonly delayMs: number };

  constructor(options: DifyClientOptions) {
    const { apiKey } = options;
    this.#http = new DifyHttp({
      base: options.apiBase,
      fetch: options.fetch,
      userAgent: options.userAgent,
      app: options.app,
      auth: () => ({ authorization: `Bearer ${apiKey}` }),
    });
    this.#recovery = options.recovery ?? { attempts: 5, delayMs: 500 };
  }

  /** `GET /info`: the app's name and mode. */
  async info(options: CallOptions = {}): Promise<DifyAppInfo> {
    const body = await this.#http.json('GET', '/info', undefined, options.signal);
    const tags = Array.isArray(body.tags) ? body.tags.filter((t) => typeof t === 'string') : [];
    return {
      name: asString(body.name) ?? '',
      description: asString(body.description) ?? '',
      tags,
      mode: asString(body.mode) ?? 'unknown',
      authorName: asString(body.author_name),
    };
  }

  /** `GET /parameters`: the input form, to check inputs before a run. */
  async parameters(options: CallOptions = {}): Promise<DifyParameters> {
    const body = await this.#http.json('GET', '/parameters', undefined, options.signal);
    return { inputs: inputFormOf(body), raw: body };
  }

  /** `POST /workflows/run` (or `/workflows/:workflowId/run`): runs the workflow. */
  runWorkflow(request: WorkflowRunRequest, options: CallOptions = {}): Promise<DifyRunResult> {
    const path =
      request.workflowId === undefined
        ? '/workflows/run'
        : `/workflows/${encodeURIComponent(request.workflowId)}/run`;
    return this.#run('workflow', path, request, { inputs: request.inputs }, options.signal);
  }

  /** `POST /chat-messages`: sends one message of a conversation. */
  sendChatMessage(request: ChatMessageRequest, options: CallOptions = {}): Promise<DifyRunResult> {
    const payload = {
      query: request.query,
      inputs: request.inputs ?? {},
      ...(request.conversationId === undefined ? {} : { conversation_id: request.conversationId }),
    };
    return this.#run('chat', '/chat-messages', request, payload, options.signal);
  }

  /** `POST /completion-messages`. */
  sendCompletionMessage(
    request: CompletionMessageRequest,
    options: CallOptions = {},
  ): Promise<DifyRunResult> {
    return this.#run(
      'completion',
      '/completion-messages',
      request,
      { inputs: request.inputs },
      options.signal,
    );
  }

  /** Stops a streaming run by its task id; `user` must be the run's. */
  async stop(
    kind: RunKind,
    taskId: string,
    user: string,
    options: CallOptions = {},
  ): Promise<void> {
    const body = await this.#http.json('POST', STOP_PATH[kind](taskId), { user }, options.signal);
    if (body.result !== 'success') {
      throw new DifyError('E_DIFY_BAD_RESPONSE', `stop answered ${JSON.stringify(body)}`, {
        context: this.#http.context('POST', STOP_PATH[kind](':task_id')),
        retryable: false,
      });
    }
  }

  /** `GET /workflows/run/:id`: a run's detail, its result and inputs. */
  async getWorkflowRun(workflowRunId: string, options: CallOptions = {}): Promise<DifyRunDetail> {
    const body = await this.#http.json(
      'GET',
      `/workflows/run/${encodeURIComponent(workflowRunId)}`,
      undefined,
      options.signal,
    );
    const assembler = new RunAssembler('workflow');
    assembler.addRunData(body);
    return { ...assembler.result(), inputs: parseInputs(body.inputs) };
  }

  /** `GET /workflows/logs`: a page of the app's run history. */
  async getWorkflowLogs(
    query: {
      readonly status?: string;
      readonly sessionId?: string;
      readonly page?: number;
      readonly limit?: number;
    } = {},
    options: CallOptions = {},
  ): Promise<DifyLogPage> {
    const params = new URLSearchParams();
    if (query.status !== undefined) params.set('status', query.status);
    if (query.sessionId !== undefined)
      params.set('created_by_end_user_session_id', query.sessionId);
    if (query.page !== undefined) params.set('page', String(query.page));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const suffix = params.size === 0 ? '' : `?${params.toString()}`;
    const body = await this.#http.json(
      'GET',
      `/workflows/logs${suffix}`,
      undefined,
      options.signal,
    );
    return {
      page: numeric(body.page) ?? 1,
      limit: numeric(body.limit) ?? 0,
      total: numeric(body.total) ?? 0,
      hasMore: body.has_more === true,
      data: Array.isArray(body.data) ? body.data.map((row) => asObject(row) ?? {}) : [],
    };
  }

  /** `POST /files/upload`: uploads a file for a file input. */
  async uploadFile(
    file: {
      readonly data: Blob | Uint8Array;
      readonly filename: string;
      readonly mimeType?: string;
    },
    user: string,
    options: CallOptions = {},
  ): Promise<DifyUploadedFile> {
    const form = new FormData();
    const blob =
      file.data instanceof Blob
        ? file.data
        : new Blob([file.data], { type: file.mimeType ?? 'application/octet-stream' });
    form.set('file', blob, file.filename);
    form.set('user', user);
    const body = await this.#http.json('POST', '/files/upload', form, options.signal);
    return {
      id: asString(body.id) ?? '',
      name: asString(body.name) ?? file.filename,
      size: numeric(body.size) ?? 0,
      extension: asString(body.extension) ?? '',
      mimeType: asString(body.mime_type) ?? '',
      createdAt: numeric(body.created_at),
    };
  }

  async #run(
    kind: RunKind,
    path: string,
    request: RunCommon,
    payload: Json,
    signal: AbortSignal | undefined,
  ): Promise<DifyRunResult> {
    const responseMode = request.responseMode ?? 'streaming';
    const full = {
      ...payload,
      response_mode: responseMode,
      user: request.user,
      ...(request.files === undefined ? {} : { files: request.files }),
    };
    if (responseMode === 'blocking') {
      const body = await this.#http.json('POST', path, full, signal);
      const assembler = new RunAssembler(kind);
      if (kind === 'workflow') {
        assembler.add(body);
        const data = asObject(body.data);
        if (data === undefined) {
          throw new DifyError('E_DIFY_BAD_RESPONSE', 'the answer has no run data', {
            context: this.#http.context('POST', path),
            retryable: true,
          });
        }
        assembler.addRunData(data);
      } else {
        assembler.addMessage(body);
      }
      return assembler.result();
    }
    const response = await this.#http.request('POST', path, full, signal);
    return this.#readStream(kind, path, response, request, signal);
  }

  async #readStream(
    kind: RunKind,
    path: string,
    response: HttpResponse,
    request: RunCommon,
    signal: AbortSignal | undefined,
  ): Promise<DifyRunResult> {
    const { assembler, dropped } = await readRunStream(kind, response, {
      onEvent: request.onEvent,
      stop: (taskId, deadline) => this.stop(kind, taskId, request.user, { signal: deadline }),
      signal,
    });
    if (assembler.finished) return assembler.result();
    return this.#recover(kind, path, assembler, dropped, signal);
  }

  async #recover(
    kind: RunKind,
    path: string,
    assembler: RunAssembler,
    dropped: unknown,
    signal: AbortSignal | undefined,
  ): Promise<DifyRunResult> {
    const runId = assembler.workflowRunId;
    const context = this.#http.context('POST', path);
    const why =
      dropped === undefined ? 'the stream ended early' : `the stream broke (${describe(dropped)})`;
    if (runId === undefined) {
      throw new DifyError(
        'E_DIFY_STREAM_DROPPED',
        `${why} before the run was identified`,
        {
          context,
          retryable: true,
        },
        { cause: dropped },
      );
    }
    for (let attempt = 1; ; attempt += 1) {
      const detail = await this.getWorkflowRun(runId, { signal });
      if (detail.status !== 'running' && detail.status !== 'paused') {
        assembler.addRunData({
          status: detail.status,
          outputs: detail.outputs,
          error: detail.error,
          elapsed_time: detail.elapsedMs === undefined ? undefined : detail.elapsedMs / 1000,
          total_tokens: detail.totalTokens,
          total_steps: detail.totalSteps,
        });
        return assembler.result(true);
      }
      if (attempt >= this.#recovery.attempts) {
        throw new DifyError(
          'E_DIFY_STREAM_DROPPED',
          `${why}; run ${runId} is still ${detail.status} after ${attempt} checks`,
          {
            context,
            retryable: true,
          },
          { cause: dropped },
        );
      }
      await sleep(systemClock, this.#recovery.delayMs * attempt, { signal });
    }
  }
}

function parseInputs(value: unknown): Json {
  // The run detail may send its inputs as a JSON string.
  return asObject(typeof value === 'string' ? parseJson(value) : value) ?? {};
}

/** The input form of a `/parameters` answer (`user_input_form`), one field per variable. */
export function inputFormOf(body: Readonly<Record<string, unknown>>): DifyInputField[] {
  const form = Array.isArray(body.user_input_form) ? (body.user_input_form as unknown[]) : [];
  const inputs: DifyInputField[] = [];
  for (const entry of form) {
    const wrapper = asObject(entry);
    const type = wrapper === undefined ? undefined : Object.keys(wrapper)[0];
    const field = type === undefined ? undefined : asObject(wrapper?.[type]);
    if (type === undefined || field === undefined) continue;
    const options = Array.isArray(field.options)
      ? field.options.filter((o): o is string => typeof o === 'string')
      : undefined;
    inputs.push({
      type,
      variable: asString(field.variable) ?? '',
      label: asString(field.label) ?? '',
      required: field.required === true,
      default: field.default,
      maxLength: numeric(field.max_length),
      options,
    });
  }
  return inputs;
}
