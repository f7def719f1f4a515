import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep, systemClock } from '../core/clock.js';
import { createSeededRandom } from '../core/seeded-random.js';
import { handleConsole, type ConsoleState } from './console-routes.js';
import { remainingMs, streamRun } from './stream-run.js';
import { FaultPlan } from './fault-plan.js';
import { SimApp } from './sim-app.js';
import type { SimDsl } from './sim-dsl.js';

import { runGraph, withAnswer } from './sim-engine.js';
import { taskAnswer } from './task-model.js';
import { ProposerEndpoint } from './proposer-endpoint.js';
import type { SimAppConfig, SimulatorConfig } from './simulator-config.js';
import { HttpAnswer, difyError, readBody, readJson, sendJson } from './sim-http.js';
import { handleUpload, logsPage, parametersBody, validateRunRequest } from './app-endpoints.js';
import { admitRun } from './admission.js';
import { messageBase, runData, usage, type ActiveRun } from './run-events.js';
import { Conversations } from './conversations.js';
import { answerConversationRoute } from './conversation-routes.js';

type Json = Readonly<Record<string, unknown>>;

/** Run arrivals kept for `/__simulator/arrivals` (a load test's worth). */
const MAX_ARRIVALS = 200_000;

// The `user` of a console run: the logged-in account, not an end user.
const CONSOLE_ACCOUNT = 'console-account';

/** What the simulator has seen, for tests and load checks. */
export interface SimulatorStats {
  readonly requests: number;
  readonly runsStarted: number;
  readonly runsFinished: number;
  readonly rejectedByCap: number;
  /** Calls to the simulated proposer. */
  readonly proposerCalls: number;
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
  readonly #conversations = new Conversations();
  readonly #stops: { appId: string; taskId: string; user: string }[] = [];
  #requests = 0;
  #runsStarted = 0;
  /** When each run request arrived (ms, high resolution), the latest {@link MAX_ARRIVALS}. */
  #arrivals: number[] = [];
  #runsFinished = 0;
  #rejectedByCap = 0;
  readonly #proposer: ProposerEndpoint;

  private constructor(apps: readonly SimAppConfig[], config: SimulatorConfig) {
    for (const app of apps) this.addApp(app);
    this.#random = createSeededRandom(config.seed);
    this.#proposer = new ProposerEndpoint(config);
    this.#console = {
      email: config.console.email,
      password: config.console.password,
      auth: config.console.auth,
      sessions: new Map(),
      refreshTokens: new Map(),
      imports: new Map(),
      exports: new Map(),
      apps: this.#apps,
      addApp: (app) => this.addApp(app),
      removeApp: (id) => this.removeApp(id),
      run: (app, kind, body, dsl, res, arrivedMs) =>
        this.#runConsole(app, kind, body, dsl, res, arrivedMs),
      stopTask: (app, taskId) => {
        this.#stops.push({ appId: app.id, taskId, user: CONSOLE_ACCOUNT });
        for (const record of app.runs.values()) if (record.taskId === taskId) record.stop.abort();
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

  /** Deletes an app, as the console's DELETE does: its runs in flight are stopped. */
  removeApp(id: string): boolean {
    const app = this.#apps.get(id);
    if (app === undefined) return false;
    for (const record of app.runs.values()) record.stop.abort();
    this.#apps.delete(id);
    this.#byKey.delete(app.apiKey);
    return true;
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
      proposerCalls: this.#proposer.calls,
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
    if (method === 'POST' && path === '/v1/chat/completions') {
      await this.#proposer.answer(req, res, this.#apps.values());
      return;
    }
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
      sendJson(res, 200, parametersBody(app.dsl));
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
      sendJson(res, 200, { ...runData(record), inputs: JSON.stringify(record.inputs) });
    } else if (method === 'GET' && route === '/workflows/logs') {
      sendJson(res, 200, logsPage(app, url.searchParams));
    } else if (method === 'POST' && route === '/files/upload') {
      await handleUpload(req, res, this.#files);
    } else if (
      !(await answerConversationRoute(this.#conversations, app, { method, route, url }, req, res))
    ) {
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

  async #run(
    app: SimApp,
    kind: 'workflow' | 'chat' | 'completion',
    req: IncomingMessage,
    res: ServerResponse,
    versionId: string | undefined,
  ): Promise<void> {
    // Dify's time counts from the request, not from when its body was read and checked.
    const arrivedMs = performance.now();
    const body = await readJson(req);
    let dsl = app.dsl;
    if (versionId !== undefined) {
      const version = app.versions.find((v) => v.id === versionId);
      if (version === undefined) throw difyError(404, 'not_found', 'Workflow not found.');
      dsl = version.dsl;
    }
    await this.#serve({ app, kind, body, dsl, res, arrivedMs, versionId, console: false });
  }

  /**
   * A console run (a draft run, or a debug message with its own model config): always streamed,
   * by the logged-in account, on `dsl` (the app's draft, or the draft with a debug override).
   */
  async #runConsole(
    app: SimApp,
    kind: 'workflow' | 'chat' | 'completion',
    body: Json,
    dsl: SimDsl,
    res: ServerResponse,
    arrivedMs: number,
  ): Promise<void> {
    await this.#serve({
      app,
      kind,
      body: { ...body, user: CONSOLE_ACCOUNT, response_mode: 'streaming' },
      dsl,
      res,
      arrivedMs,
      versionId: undefined,
      console: true,
    });
  }

  async #serve(call: {
    readonly app: SimApp;
    readonly kind: 'workflow' | 'chat' | 'completion';
    readonly body: Json;
    readonly dsl: SimDsl;
    readonly res: ServerResponse;
    readonly arrivedMs: number;
    readonly versionId: string | undefined;
    /** A console run: its conversation is the debugger's, not an end user's. */
    readonly console: boolean;
  }): Promise<void> {
    const { app, kind, body, dsl, res, arrivedMs, versionId } = call;
    this.#arrivals.push(performance.timeOrigin + arrivedMs);
    if (this.#arrivals.length > MAX_ARRIVALS)
      this.#arrivals = this.#arrivals.slice(-MAX_ARRIVALS / 2);
    const request = validateRunRequest(app, kind, body, dsl);
    const faults = admitRun(app, this.faults.take(app.id), this.#random, () => {
      this.#rejectedByCap += 1;
    });
    const named =
      typeof body.conversation_id === 'string' && body.conversation_id !== ''
        ? body.conversation_id
        : undefined;
    // A message of the service API goes to the user's conversation (404 when not theirs).
    const conversation =
      kind === 'workflow' || call.console
        ? undefined
        : this.#conversations.open(app.id, request.user, {
            conversationId: named,
            inputs: request.inputs,
          });
    const { behaviour } = app;
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
    const graph = runGraph(dsl, request.inputs, {
      query: request.query,
      user: request.user,
      runId: record.id,
    });
    const task =
      behaviour.task === undefined
        ? undefined
        : taskAnswer(behaviour.task, dsl, request.inputs, this.#random);
    const outcome = task === undefined ? graph : withAnswer(graph, task);
    const messageId = randomUUID();
    const message =
      conversation === undefined
        ? undefined
        : this.#conversations.addMessage(conversation, {
            id: messageId,
            query: request.query ?? '',
            inputs: request.inputs,
          });
    const run: ActiveRun = {
      app,
      kind,
      record,
      outcome,
      failed,
      latencyMs,
      arrivedMs,
      conversationId: conversation?.id ?? named ?? randomUUID(),
      messageId,
      message,
    };
    if (!request.streaming) {
      await this.#answerBlocking(run, res);
      return;
    }
    await streamRun(run, res, faults, (ended) => {
      this.#finish(ended);
    });
  }

  /** A blocking run's answer, once its latency is waited out. */
  async #answerBlocking(run: ActiveRun, res: ServerResponse): Promise<void> {
    await this.#complete(run);
    const { record, kind, app } = run;
    if (kind === 'workflow') {
      sendJson(res, 200, {
        task_id: record.taskId,
        workflow_run_id: record.id,
        data: runData(record),
      });
    } else if (record.status === 'failed') {
      throw difyError(
        400,
        'completion_request_error',
        record.error ?? 'Completion request failed.',
      );
    } else {
      sendJson(res, 200, {
        ...messageBase(run),
        event: 'message',
        mode: app.dsl.mode,
        answer: run.outcome.answer,
        metadata: { usage: usage(run) },
      });
    }
  }

  /** Waits out the run's latency (a stop cuts it short) and records its end. */
  async #complete(run: ActiveRun): Promise<void> {
    const { record } = run;
    try {
      await sleep(systemClock, remainingMs(run), { signal: record.stop.signal });
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
    if (run.message !== undefined) {
      run.message.answer = stopped || run.failed ? '' : outcome.answer;
      if (run.failed) run.message.status = 'error';
      if (run.failed) run.message.error = '[simulated] Error: the model request failed.';
    }
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

  async #admin(
    method: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'GET' && path === '/__simulator/stats') {
      sendJson(res, 200, this.stats());
    } else if (method === 'GET' && path === '/__simulator/arrivals') {
      // When each run request arrived: a load test checks its rate limit against them.
      sendJson(res, 200, { arrivals: this.#arrivals });
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
