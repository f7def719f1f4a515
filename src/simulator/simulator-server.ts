import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { sleep, systemClock } from '../core/clock.js';
import { createSeededRandom } from '../core/seeded-random.js';
import { handleConsole, type ConsoleState } from './console-routes.js';
import { FaultPlan, type SimFault } from './fault-plan.js';
import { SimApp, type SimRunRecord } from './sim-app.js';
import { str, type SimDsl } from './sim-dsl.js';
import { runGraph, type SimRunOutcome } from './sim-engine.js';
import type { SimAppConfig, SimulatorConfig } from './simulator-config.js';

type Json = Readonly<Record<string, unknown>>;

/** What the simulator has seen, for tests and load checks. */
export interface SimulatorStats {
  readonly requests: number;
  readonly runsStarted: number;
  readonly runsFinished: number;
  readonly rejectedByCap: number;
  /** Per app: runs in flight now, and the most at once. */
  readonly apps: Readonly<
    Record<string, { readonly inFlight: number; readonly maxInFlight: number }>
  >;
  /** Every stop call, in order. */
  readonly stops: readonly {
    readonly appId: string;
    readonly taskId: string;
    readonly user: string;
  }[];
}

/** An answer with a status and a JSON body. */
class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(`HTTP ${status}`);
  }
}

function difyError(status: number, code: string, message: string): HttpAnswer {
  return new HttpAnswer(status, { code, message, status });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw difyError(400, 'invalid_param', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw difyError(400, 'invalid_param', 'The request body must be a JSON object.');
  }
  return parsed as Json;
}

const ROUTE_MODES: Readonly<Record<string, readonly string[]>> = {
  workflow: ['workflow'],
  chat: ['chat', 'agent-chat', 'advanced-chat'],
  completion: ['completion'],
};

const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;

/**
 * A Dify stand-in over real HTTP: the public API (workflow runs, chat and completion messages,
 * blocking and streaming, stop, run detail, logs, upload, parameters, info) and the console API
 * (login, DSL export and import, draft, publish, versions), with per-app behaviour and scripted
 * faults. It shares no code with the client.
 */
export class DifySimulator {
  readonly faults = new FaultPlan();
  readonly #server: Server;
  readonly #apps = new Map<string, SimApp>();
  readonly #byKey = new Map<string, SimApp>();
  readonly #random: () => number;
  readonly #console: ConsoleState;
  readonly #files = new Map<string, Json>();
  readonly #stops: { appId: string; taskId: string; user: string }[] = [];
  #requests = 0;
  #runsStarted = 0;
  #runsFinished = 0;
  #rejectedByCap = 0;

  private constructor(apps: readonly SimAppConfig[], config: SimulatorConfig) {
    for (const app of apps) this.addApp(app);
    this.#random = createSeededRandom(config.seed);
    this.#console = {
      email: config.console.email,
      password: config.console.password,
      auth: config.console.auth,
      sessions: new Map(),
      refreshTokens: new Map(),
      imports: new Map(),
      apps: this.#apps,
      addApp: (app) => {
        this.addApp(app);
      },
    };
    this.#server = createServer((req, res) => {
      this.#requests += 1;
      this.#handle(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof HttpAnswer) sendJson(res, error.status, error.body);
        else
          sendJson(res, 500, {
            code: 'internal_server_error',
            message: 'Internal Server Error.',
            status: 500,
          });
      });
    });
  }

  /** Starts a simulator on `host:port` (port 0: any free port). */
  static async start(options: {
    readonly apps: readonly SimAppConfig[];
    readonly config: SimulatorConfig;
    readonly port?: number;
    readonly host?: string;
  }): Promise<DifySimulator> {
    const simulator = new DifySimulator(options.apps, options.config);
    await new Promise<void>((resolve, reject) => {
      simulator.#server.once('error', reject);
      simulator.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        simulator.#server.off('error', reject);
        resolve();
      });
    });
    return simulator;
  }

  /** `http://host:port`: the console base and the host of the API. */
  get url(): string {
    const address = this.#server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  /** `{url}/v1`. */
  get apiBase(): string {
    return `${this.url}/v1`;
  }

  /** Adds (or replaces) an app. */
  addApp(config: SimAppConfig): SimApp {
    const app = new SimApp(config);
    this.#apps.set(app.id, app);
    this.#byKey.set(app.apiKey, app);
    return app;
  }

  /** An app by id, to inspect or change its behaviour in a test. */
  app(id: string): SimApp {
    const app = this.#apps.get(id);
    if (app === undefined) throw new Error(`no simulated app ${id}`);
    return app;
  }

  /** Invalidates every console session, as an expired login would be. */
  expireSessions(): void {
    this.#console.sessions.clear();
  }

  stats(): SimulatorStats {
    const apps: Record<string, { inFlight: number; maxInFlight: number }> = {};
    for (const [id, app] of this.#apps)
      apps[id] = { inFlight: app.inFlight, maxInFlight: app.maxInFlight };
    return {
      requests: this.#requests,
      runsStarted: this.#runsStarted,
      runsFinished: this.#runsFinished,
      rejectedByCap: this.#rejectedByCap,
      apps,
      stops: [...this.#stops],
    };
  }

  /** Stops listening and ends every open connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/console/api/')) {
      await handleConsole(this.#console, method, path.slice('/console/api'.length), req, res);
      return;
    }
    if (path.startsWith('/__simulator/')) {
      await this.#admin(method, path, req, res);
      return;
    }
    if (!path.startsWith('/v1/'))
      throw difyError(404, 'not_found', 'The requested URL was not found on the server.');
    const app = this.#authenticate(req);
    const route = path.slice(3);
    let match: RegExpExecArray | null;
    if (method === 'GET' && route === '/info') {
      sendJson(res, 200, {
        name: app.dsl.name,
        description: '',
        tags: [],
        mode: app.dsl.mode,
        author_name: 'dify-autoopt simulator',
      });
    } else if (method === 'GET' && route === '/parameters') {
      sendJson(res, 200, this.#parameters(app.dsl));
    } else if (method === 'POST' && route === '/workflows/run') {
      await this.#run(app, 'workflow', req, res, undefined);
    } else if (method === 'POST' && (match = /^\/workflows\/([^/]+)\/run$/.exec(route)) !== null) {
      await this.#run(app, 'workflow', req, res, decodeURIComponent(match[1] ?? ''));
    } else if (method === 'POST' && route === '/chat-messages') {
      await this.#run(app, 'chat', req, res, undefined);
    } else if (method === 'POST' && route === '/completion-messages') {
      await this.#run(app, 'completion', req, res, undefined);
    } else if (
      method === 'POST' &&
      (match = /^\/(?:workflows\/tasks|chat-messages|completion-messages)\/([^/]+)\/stop$/.exec(
        route,
      )) !== null
    ) {
      await this.#stop(app, decodeURIComponent(match[1] ?? ''), req, res);
    } else if (method === 'GET' && (match = /^\/workflows\/run\/([^/]+)$/.exec(route)) !== null) {
      const record = app.runs.get(decodeURIComponent(match[1] ?? ''));
      if (record === undefined) throw difyError(404, 'not_found', 'Workflow run not found.');
      sendJson(res, 200, { ...this.#runData(record), inputs: JSON.stringify(record.inputs) });
    } else if (method === 'GET' && route === '/workflows/logs') {
      sendJson(res, 200, this.#logs(app, url.searchParams));
    } else if (method === 'POST' && route === '/files/upload') {
      await this.#upload(req, res);
    } else {
      throw difyError(404, 'not_found', 'The requested URL was not found on the server.');
    }
  }

  #authenticate(req: IncomingMessage): SimApp {
    const header = req.headers.authorization ?? '';
    const key = /^Bearer (.+)$/.exec(header)?.[1];
    const app = key === undefined ? undefined : this.#byKey.get(key);
    if (app === undefined) throw difyError(401, 'unauthorized', 'Access token is invalid');
    return app;
  }

  #parameters(dsl: SimDsl): Json {
    return {
      opening_statement: '',
      suggested_questions: [],
      user_input_form: dsl.inputs().map((input) => ({
        [input.type]: {
          label: input.label,
          variable: input.variable,
          required: input.required,
          default: '',
          ...(input.maxLength === undefined ? {} : { max_length: input.maxLength }),
          ...(input.options.length === 0 ? {} : { options: input.options }),
        },
      })),
      file_upload: {
        image: {
          enabled: false,
          number_limits: 3,
          detail: 'high',
          transfer_methods: ['remote_url', 'local_file'],
        },
      },
      system_parameters: {
        file_size_limit: 15,
        image_file_size_limit: 10,
        audio_file_size_limit: 50,
        video_file_size_limit: 100,
      },
    };
  }

  #validate(
    app: SimApp,
    kind: string,
    body: Json,
  ): { user: string; inputs: Json; query: string | undefined; streaming: boolean } {
    if (!(ROUTE_MODES[kind] ?? []).includes(app.dsl.mode)) {
      throw difyError(
        400,
        kind === 'workflow' ? 'not_workflow_app' : 'not_chat_app',
        'Please check if your app mode matches the right API route.',
      );
    }
    const user = body.user;
    if (typeof user !== 'string' || user === '')
      throw difyError(400, 'invalid_param', 'Arg user must be provided.');
    const mode = body.response_mode ?? 'blocking';
    if (mode !== 'blocking' && mode !== 'streaming')
      throw difyError(400, 'invalid_param', 'response_mode must be blocking or streaming.');
    if (mode === 'blocking' && app.dsl.mode === 'agent-chat')
      throw difyError(400, 'invalid_param', 'Agent Chat App does not support blocking mode');
    const inputs =
      typeof body.inputs === 'object' && body.inputs !== null && !Array.isArray(body.inputs)
        ? (body.inputs as Json)
        : {};
    const query = typeof body.query === 'string' ? body.query : undefined;
    if (kind === 'chat' && (query === undefined || query === ''))
      throw difyError(400, 'invalid_param', 'query is required');
    for (const input of app.dsl.inputs()) {
      const value = inputs[input.variable];
      if (input.required && (value === undefined || value === null || value === '')) {
        throw difyError(400, 'invalid_param', `${input.variable} is required in input form`);
      }
      if (
        typeof value === 'string' &&
        input.maxLength !== undefined &&
        value.length > input.maxLength
      ) {
        throw difyError(
          400,
          'invalid_param',
          `${input.variable} in input form must be less than ${input.maxLength} characters`,
        );
      }
      if (value !== undefined && input.options.length > 0 && !input.options.includes(str(value))) {
        throw difyError(
          400,
          'invalid_param',
          `${input.variable} in input form must be one of the following: ${input.options.join(', ')}`,
        );
      }
    }
    return { user, inputs, query, streaming: mode === 'streaming' };
  }

  /** The 429 a full app answers: the cap stated, as most Dify versions do, or not. */
  #tooMany(app: SimApp): HttpAnswer {
    const cap = app.behaviour.concurrency_cap;
    const stated =
      cap !== undefined && app.behaviour.cap_states_limit
        ? ` The current maximum concurrent requests allowed for ${app.id} is ${cap}.`
        : '';
    return difyError(
      429,
      'too_many_requests',
      `Too many requests. Please try again later.${stated}`,
    );
  }

  async #run(
    app: SimApp,
    kind: 'workflow' | 'chat' | 'completion',
    req: IncomingMessage,
    res: ServerResponse,
    versionId: string | undefined,
  ): Promise<void> {
    const body = await readJson(req);
    const request = this.#validate(app, kind, body);
    let dsl = app.dsl;
    if (versionId !== undefined) {
      const version = app.versions.find((v) => v.id === versionId);
      if (version === undefined) throw difyError(404, 'not_found', 'Workflow not found.');
      dsl = version.dsl;
    }
    const faults = this.faults.take(app.id);
    const fault = <K extends SimFault['kind']>(
      kind: K,
    ): Extract<SimFault, { kind: K }> | undefined =>
      faults.find((f): f is Extract<SimFault, { kind: K }> => f.kind === kind);
    const http5xx = fault('http_5xx');
    if (http5xx !== undefined)
      throw difyError(http5xx.status ?? 500, 'internal_server_error', 'Internal Server Error.');
    if (fault('storm_429') !== undefined) throw this.#tooMany(app);
    const { behaviour } = app;
    if (this.#random() < behaviour.error_5xx_rate)
      throw difyError(500, 'internal_server_error', 'Internal Server Error.');
    if (this.#random() < behaviour.rate_429_rate)
      throw difyError(429, 'rate_limit_error', 'Rate Limit Error');
    if (behaviour.concurrency_cap !== undefined && app.inFlight >= behaviour.concurrency_cap) {
      this.#rejectedByCap += 1;
      throw this.#tooMany(app);
    }
    const latencyMs =
      behaviour.latency_ms.minMs +
      this.#random() * (behaviour.latency_ms.maxMs - behaviour.latency_ms.minMs);
    const failed = this.#random() < behaviour.failure_rate;
    const record = app.startRun({
      user: request.user,
      inputs: request.inputs,
      ...(versionId === undefined ? {} : { workflowId: versionId }),
    });
    this.#runsStarted += 1;
    const outcome = runGraph(dsl, request.inputs, {
      query: request.query,
      user: request.user,
      runId: record.id,
    });
    const conversationId =
      typeof body.conversation_id === 'string' && body.conversation_id !== ''
        ? body.conversation_id
        : randomUUID();
    const run: ActiveRun = {
      app,
      kind,
      record,
      outcome,
      failed,
      latencyMs,
      conversationId,
      messageId: randomUUID(),
    };
    if (!request.streaming) {
      await this.#complete(run);
      if (kind === 'workflow') {
        sendJson(res, 200, {
          task_id: record.taskId,
          workflow_run_id: record.id,
          data: this.#runData(record),
        });
      } else if (record.status === 'failed') {
        throw difyError(
          400,
          'completion_request_error',
          record.error ?? 'Completion request failed.',
        );
      } else {
        sendJson(res, 200, {
          ...this.#messageBase(run),
          event: 'message',
          mode: app.dsl.mode,
          answer: outcome.answer,
          metadata: { usage: this.#usage(run) },
        });
      }
      return;
    }
    await this.#stream(run, res, faults);
  }

  /** Waits out the run's latency (a stop cuts it short) and records its end. */
  async #complete(run: ActiveRun, waitMs = run.latencyMs): Promise<void> {
    const { record } = run;
    try {
      await sleep(systemClock, waitMs, { signal: record.stop.signal });
    } catch {
      // Stopped.
    }
    this.#finish(run);
  }

  #finish(run: ActiveRun): void {
    const { record, outcome, app } = run;
    if (record.status !== 'running') return;
    this.#runsFinished += 1;
    const stopped = record.stop.signal.aborted;
    app.finishRun(record, {
      status: stopped ? 'stopped' : run.failed ? 'failed' : 'succeeded',
      outputs: stopped || run.failed ? null : outcome.outputs,
      error: stopped
        ? 'stopped by user'
        : run.failed
          ? '[simulated] Error: the model request failed.'
          : null,
      elapsedS: run.latencyMs / 1000,
      totalTokens: stopped ? 0 : outcome.totalTokens,
      totalSteps: outcome.nodes.length,
    });
  }

  #runData(record: SimRunRecord): Json {
    return {
      id: record.id,
      workflow_id: record.workflowId,
      status: record.status,
      outputs: record.outputs,
      error: record.error,
      elapsed_time: record.elapsedS,
      total_tokens: record.totalTokens,
      total_steps: record.totalSteps,
      created_at: record.createdAt,
      finished_at: record.finishedAt,
    };
  }

  #messageBase(run: ActiveRun): Json {
    return {
      task_id: run.record.taskId,
      id: run.messageId,
      message_id: run.messageId,
      conversation_id: run.conversationId,
      created_at: run.record.createdAt,
    };
  }

  #usage(run: ActiveRun): Json {
    const total = run.outcome.totalTokens;
    const prompt = Math.ceil(total * 0.7);
    return {
      prompt_tokens: prompt,
      completion_tokens: total - prompt,
      total_tokens: total,
      total_price: run.outcome.totalPrice.toFixed(7),
      currency: 'USD',
      latency: run.latencyMs / 1000,
    };
  }

  /** The events of a run, as Dify streams them. */
  #events(run: ActiveRun): Json[] {
    const { record, outcome, kind, app } = run;
    const base = { task_id: record.taskId, workflow_run_id: record.id };
    const events: Json[] = [];
    const graph = kind !== 'completion' && app.dsl.mode !== 'chat' && app.dsl.mode !== 'agent-chat';
    if (graph) {
      events.push({
        event: 'workflow_started',
        ...base,
        data: {
          id: record.id,
          workflow_id: record.workflowId,
          inputs: record.inputs,
          created_at: record.createdAt,
        },
      });
      outcome.nodes.forEach((step, index) => {
        const nodeBase = {
          id: `${record.id}-${step.node.id}`,
          node_id: step.node.id,
          node_type: step.node.type,
          title: step.node.title,
          index: index + 1,
        };
        events.push({
          event: 'node_started',
          ...base,
          data: {
            ...nodeBase,
            predecessor_node_id: null,
            inputs: null,
            created_at: record.createdAt,
          },
        });
        if (step.node.type === 'llm' && typeof step.outputs.text === 'string') {
          for (const piece of chunks(step.outputs.text)) {
            events.push({
              event: 'text_chunk',
              ...base,
              data: { text: piece, from_variable_selector: [step.node.id, 'text'] },
            });
          }
        }
        events.push({
          event: 'node_finished',
          ...base,
          data: {
            ...nodeBase,
            inputs: null,
            outputs: step.outputs,
            status: 'succeeded',
            error: null,
            elapsed_time: run.latencyMs / 1000 / Math.max(1, outcome.nodes.length),
            execution_metadata:
              step.tokens > 0
                ? {
                    total_tokens: step.tokens,
                    total_price: (step.tokens * 0.000002).toFixed(7),
                    currency: 'USD',
                  }
                : null,
            created_at: record.createdAt,
            finished_at: record.createdAt,
          },
        });
      });
    }
    if (kind !== 'workflow') {
      for (const piece of chunks(outcome.answer))
        events.push({ event: 'message', ...this.#messageBase(run), answer: piece });
    }
    return events;
  }

  #finalEvents(run: ActiveRun): Json[] {
    const { record, kind, app } = run;
    const base = { task_id: record.taskId, workflow_run_id: record.id };
    const events: Json[] = [];
    const graph = kind !== 'completion' && app.dsl.mode !== 'chat' && app.dsl.mode !== 'agent-chat';
    if (graph) events.push({ event: 'workflow_finished', ...base, data: this.#runData(record) });
    if (kind === 'workflow') return events;
    if (record.status === 'failed') {
      events.push({
        event: 'error',
        ...this.#messageBase(run),
        status: 400,
        code: 'completion_request_error',
        message: record.error,
      });
    } else {
      events.push({
        event: 'message_end',
        ...this.#messageBase(run),
        metadata: { usage: this.#usage(run) },
      });
    }
    return events;
  }

  async #stream(run: ActiveRun, res: ServerResponse, faults: readonly SimFault[]): Promise<void> {
    const slowFirstByte = faults.find((f) => f.kind === 'slow_first_byte');
    const slowChunks = faults.find((f) => f.kind === 'slow_chunks');
    const drop = faults.find((f) => f.kind === 'drop_stream');
    const malformed = faults.some((f) => f.kind === 'malformed_frames');
    const { record } = run;
    // A function, not a read: a stop call can arrive during any await below.
    const stopped = (): boolean => record.stop.signal.aborted;
    if (slowFirstByte !== undefined)
      await sleep(systemClock, slowFirstByte.delayMs, { signal: record.stop.signal }).catch(
        () => undefined,
      );
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // An abandoned stream does not stop the run: Dify goes on until it ends or is stopped.
    let open = true;
    res.on('close', () => {
      open = false;
    });
    const write = (text: string): void => {
      if (open) res.write(text);
    };
    write('event: ping\n\n');
    const events = this.#events(run);
    const stepMs = run.latencyMs / (events.length + 1);
    let sent = 0;
    for (const event of events) {
      if (stopped()) break;
      await sleep(systemClock, stepMs + (slowChunks?.delayMs ?? 0), {
        signal: record.stop.signal,
      }).catch(() => undefined);
      if (stopped()) break;
      if (malformed) write('data: {"event": "text_chunk", "data": {"text": broken\n\n');
      write(`data: ${JSON.stringify(event)}\n\n`);
      sent += 1;
      if (drop !== undefined && sent >= drop.afterEvents && open) {
        open = false;
        res.destroy();
      }
    }
    if (!stopped()) {
      await sleep(systemClock, stepMs, { signal: record.stop.signal }).catch(() => undefined);
    }
    this.#finish(run);
    for (const event of this.#finalEvents(run)) write(`data: ${JSON.stringify(event)}\n\n`);
    if (open) res.end();
  }

  async #stop(
    app: SimApp,
    taskId: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = await readJson(req);
    const user = typeof body.user === 'string' ? body.user : '';
    if (user === '') throw difyError(400, 'invalid_param', 'Arg user must be provided.');
    this.#stops.push({ appId: app.id, taskId, user });
    for (const record of app.runs.values()) {
      if (record.taskId === taskId && record.user === user) record.stop.abort();
    }
    sendJson(res, 200, { result: 'success' });
  }

  #logs(app: SimApp, params: URLSearchParams): Json {
    const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
    const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 20) || 20));
    const status = params.get('status');
    const session = params.get('created_by_end_user_session_id');
    const rows = [...app.runs.values()]
      .reverse()
      .filter(
        (record) =>
          (status === null || record.status === status) &&
          (session === null || record.user === session),
      );
    const slice = rows.slice((page - 1) * limit, page * limit);
    return {
      page,
      limit,
      total: rows.length,
      has_more: page * limit < rows.length,
      data: slice.map((record) => ({
        id: `log-${record.id}`,
        workflow_run: {
          id: record.id,
          version: 'draft',
          status: record.status,
          error: record.error,
          elapsed_time: record.elapsedS,
          total_tokens: record.totalTokens,
          total_steps: record.totalSteps,
          created_at: record.createdAt,
          finished_at: record.finishedAt,
        },
        created_from: 'service-api',
        created_by_role: 'end_user',
        created_by_account: null,
        created_by_end_user: {
          id: record.user,
          type: 'service_api',
          is_anonymous: false,
          session_id: record.user,
        },
        created_at: record.createdAt,
      })),
    };
  }

  async #upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data'))
      throw difyError(400, 'no_file_uploaded', 'Please upload your file.');
    let form: FormData;
    try {
      // Fine for a test double with a 15 MB cap; a production server would stream the parts.
      const body = new Response(Readable.toWeb(req) as ReadableStream, {
        headers: { 'content-type': type },
      });
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      form = await body.formData();
    } catch {
      throw difyError(400, 'no_file_uploaded', 'Please upload your file.');
    }
    const file = form.get('file');
    if (!(file instanceof Blob))
      throw difyError(400, 'no_file_uploaded', 'Please upload your file.');
    if (form.getAll('file').length > 1)
      throw difyError(400, 'too_many_files', 'Only one file is allowed.');
    if (file.size > MAX_UPLOAD_BYTES) throw difyError(413, 'file_too_large', 'File size exceeded.');
    const name = file instanceof File ? file.name : 'upload';
    const extension = name.includes('.') ? (name.split('.').pop() ?? '') : '';
    if (['exe', 'dll', 'bat'].includes(extension.toLowerCase()))
      throw difyError(415, 'unsupported_file_type', 'File type not allowed.');
    const user = form.get('user');
    const record: Json = {
      id: randomUUID(),
      name,
      size: file.size,
      extension,
      mime_type: file.type || 'application/octet-stream',
      created_by: typeof user === 'string' ? user : '',
      created_at: Math.floor(Date.now() / 1000),
    };
    this.#files.set(String(record.id), record);
    sendJson(res, 201, record);
  }

  async #admin(
    method: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'GET' && path === '/__simulator/stats') {
      sendJson(res, 200, this.stats());
    } else if (method === 'POST' && path === '/__simulator/faults') {
      const text = await readBody(req);
      const parsed = JSON.parse(text) as unknown;
      for (const rule of Array.isArray(parsed) ? parsed : [parsed])
        this.faults.add(rule as Parameters<FaultPlan['add']>[0]);
      sendJson(res, 200, { pending: this.faults.pending });
    } else if (method === 'DELETE' && path === '/__simulator/faults') {
      this.faults.clear();
      sendJson(res, 200, { pending: 0 });
    } else {
      throw difyError(404, 'not_found', 'no such simulator endpoint');
    }
  }
}

interface ActiveRun {
  readonly app: SimApp;
  readonly kind: 'workflow' | 'chat' | 'completion';
  readonly record: SimRunRecord;
  readonly outcome: SimRunOutcome;
  readonly failed: boolean;
  readonly latencyMs: number;
  readonly conversationId: string;
  readonly messageId: string;
}

/** Splits a text into a few word-sized pieces, as a model streams it. */
function chunks(text: string): string[] {
  const pieces = text.match(/\S+\s*/g) ?? [];
  const size = Math.max(1, Math.ceil(pieces.length / 8));
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += size) out.push(pieces.slice(i, i + size).join(''));
  return out;
}
