import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import type { SimApp } from './sim-app.js';
import { SimDsl } from './sim-dsl.js';
import type { SimAppConfig } from './simulator-config.js';
import { difyError, readJson, sendJson } from './sim-http.js';
import { asObject, asText } from '../core/json-value.js';
import { findRoute, type Route } from './route-table.js';

type Json = Readonly<Record<string, unknown>>;

/** The console's state inside the simulator. */
export interface ConsoleState {
  readonly email: string;
  readonly password: string;
  readonly auth: 'cookie' | 'bearer';
  /** access token → its CSRF token (cookie sessions) or '' (bearer). */
  readonly sessions: Map<string, string>;
  readonly refreshTokens: Map<string, true>;
  readonly imports: Map<string, { readonly yaml: string; readonly appId: string | undefined }>;
  /** The app last exported with each DSL (its name aside): where a copy imported from it came from. */
  readonly exports: Map<string, string>;
  readonly apps: ReadonlyMap<string, SimApp>;
  readonly addApp: (app: SimAppConfig) => SimApp;
  /** Deletes an app (its runs stopped); false when there is none. */
  readonly removeApp: (id: string) => boolean;
  /** Serves a console run of `dsl` on `app`, streamed. */
  readonly run: (
    app: SimApp,
    kind: 'workflow' | 'chat' | 'completion',
    body: Json,
    dsl: SimDsl,
    res: ServerResponse,
    arrivedMs: number,
  ) => Promise<void>;
  /** Stops the app's run with this task id. */
  readonly stopTask: (app: SimApp, taskId: string) => void;
}

// The DSL version this simulated Dify writes; an import of another version waits for a confirm.
const DSL_VERSION = '0.3.1';

function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) jar.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return jar;
}

function issue(state: ConsoleState, res: ServerResponse, status: number): void {
  const access = randomUUID();
  const refresh = randomUUID();
  state.refreshTokens.set(refresh, true);
  if (state.auth === 'bearer') {
    state.sessions.set(access, '');
    sendJson(res, status, {
      result: 'success',
      data: { access_token: access, refresh_token: refresh },
    });
    return;
  }
  const csrf = randomUUID();
  state.sessions.set(access, csrf);
  sendJson(
    res,
    status,
    { result: 'success' },
    {
      'set-cookie': [
        `access_token=${access}; Path=/; HttpOnly; SameSite=Lax`,
        `refresh_token=${refresh}; Path=/; HttpOnly; SameSite=Lax`,
        `csrf_token=${csrf}; Path=/; SameSite=Lax`,
      ],
    },
  );
}

/** Whether the request carries a live session (and, for cookies, the matching CSRF header). */
function authorized(state: ConsoleState, req: IncomingMessage): boolean {
  if (state.auth === 'bearer') {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return token !== undefined && state.sessions.has(token);
  }
  const access = cookies(req).get('access_token');
  const csrf = access === undefined ? undefined : state.sessions.get(access);
  return csrf !== undefined && req.headers['x-csrf-token'] === csrf;
}

function draft(app: SimApp): Json {
  return {
    graph: app.dsl.graph,
    features: app.dsl.features,
    hash: app.dsl.hash,
    environment_variables: app.dsl.workflow.environment_variables ?? [],
    conversation_variables: app.dsl.workflow.conversation_variables ?? [],
    updated_at: Math.floor(Date.now() / 1000),
  };
}

/** Replaces an app's draft with `workflow` parts, keeping the rest of its DSL. */
function saveDraft(app: SimApp, parts: Json): void {
  const raw = app.dsl.raw;
  const workflow = { ...(raw.workflow as Json | undefined), ...parts };
  app.dsl = new SimDsl(stringify({ ...raw, workflow }));
}

/** What a console route is given. */
interface ConsoleCall {
  readonly state: ConsoleState;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** When the request arrived: a run's latency counts from it. */
  readonly arrivedMs: number;
}

interface ConsoleRoute extends Route<ConsoleCall> {
  /** Answered without a session (login and refresh). */
  readonly open?: boolean;
}

/** Login: a session for the configured account. */
async function login({ state, req, res }: ConsoleCall): Promise<void> {
  const credentials = await readJson(req);
  if (credentials.email !== state.email || credentials.password !== state.password)
    throw difyError(401, 'unauthorized', 'Invalid email or password.');
  issue(state, res, 200);
}

/** Refresh: a new session for a refresh token, used once. */
async function refresh({ state, req, res }: ConsoleCall): Promise<void> {
  const payload = await readJson(req);
  const token = state.auth === 'bearer' ? payload.refresh_token : cookies(req).get('refresh_token');
  if (typeof token !== 'string' || !state.refreshTokens.delete(token))
    throw difyError(401, 'unauthorized', 'Invalid refresh token.');
  issue(state, res, 200);
}

/** Export: the app's DSL, remembered so a copy imported from it behaves like it. */
function exportDsl({ state, res }: ConsoleCall, [appId = '']: readonly string[]): Promise<void> {
  const app = appIn(state, appId);
  state.exports.set(unnamed(app.dsl.raw), app.id);
  sendJson(res, 200, { data: app.dsl.yaml });
  return Promise.resolve();
}

/** Import: a new app or an overwritten one; another DSL version waits for a confirm. */
async function importDsl({ state, req, res }: ConsoleCall): Promise<void> {
  const payload = await readJson(req);
  const appId = typeof payload.app_id === 'string' ? payload.app_id : undefined;
  let dsl: SimDsl;
  try {
    dsl = new SimDsl(asText(payload.yaml_content, ''));
  } catch (error) {
    sendJson(res, 400, {
      id: randomUUID(),
      status: 'failed',
      app_id: null,
      error: (error as Error).message,
    });
    return;
  }
  if (appId !== undefined) appIn(state, appId);
  const id = randomUUID();
  const pending = dsl.version !== DSL_VERSION;
  if (pending) state.imports.set(id, { yaml: dsl.yaml, appId });
  sendJson(res, pending ? 202 : 200, {
    id,
    status: pending ? 'pending' : 'completed',
    app_id: pending ? (appId ?? null) : apply(state, dsl, appId),
    current_dsl_version: DSL_VERSION,
    imported_dsl_version: dsl.version,
    error: '',
  });
}

/** Confirms a pending import. */
function confirmImport(
  { state, res }: ConsoleCall,
  [importId = '']: readonly string[],
): Promise<void> {
  const pending = state.imports.get(importId);
  if (pending === undefined) throw difyError(404, 'not_found', 'Import not found.');
  state.imports.delete(importId);
  const dsl = new SimDsl(pending.yaml);
  sendJson(res, 200, {
    id: importId,
    status: 'completed',
    app_id: apply(state, dsl, pending.appId),
    current_dsl_version: DSL_VERSION,
    imported_dsl_version: dsl.version,
    error: '',
  });
  return Promise.resolve();
}

/** The draft, as the workflow editor reads it. */
function readDraft({ state, res }: ConsoleCall, [appId = '']: readonly string[]): Promise<void> {
  sendJson(res, 200, draft(appIn(state, appId)));
  return Promise.resolve();
}

/** Saves the draft, only over the hash it was read with (409 otherwise). */
async function syncDraft(
  { state, req, res }: ConsoleCall,
  [appId = '']: readonly string[],
): Promise<void> {
  const app = appIn(state, appId);
  const payload = await readJson(req);
  if (payload.hash !== app.dsl.hash)
    throw difyError(
      409,
      'draft_workflow_not_sync',
      'Workflow not synced, please refresh the page and try again.',
    );
  saveDraft(app, {
    graph: payload.graph ?? app.dsl.graph,
    features: payload.features ?? app.dsl.features,
    environment_variables: payload.environment_variables ?? [],
    conversation_variables: payload.conversation_variables ?? [],
  });
  sendJson(res, 200, {
    result: 'success',
    hash: app.dsl.hash,
    updated_at: Math.floor(Date.now() / 1000),
  });
}

/** Publishes the draft as a new version. */
async function publish(
  { state, req, res }: ConsoleCall,
  [appId = '']: readonly string[],
): Promise<void> {
  const app = appIn(state, appId);
  const payload = await readJson(req);
  const version = {
    id: randomUUID(),
    dsl: app.dsl,
    markedName: asText(payload.marked_name, ''),
    markedComment: asText(payload.marked_comment, ''),
    createdAt: Math.floor(Date.now() / 1000),
  };
  app.versions.push(version);
  sendJson(res, 200, { result: 'success', created_at: version.createdAt, id: version.id });
}

/** The published versions, newest first. */
function versions({ state, res }: ConsoleCall, [appId = '']: readonly string[]): Promise<void> {
  const items = [...appIn(state, appId).versions].reverse().map((v) => ({
    id: v.id,
    marked_name: v.markedName,
    marked_comment: v.markedComment,
    created_at: v.createdAt,
    hash: v.dsl.hash,
    version: new Date(v.createdAt * 1000).toISOString(),
  }));
  sendJson(res, 200, { items, page: 1, limit: items.length, has_more: false });
  return Promise.resolve();
}

/** Deletes an app (its runs in flight stopped). */
function deleteApp({ state, res }: ConsoleCall, [appId = '']: readonly string[]): Promise<void> {
  if (!state.removeApp(appId)) throw difyError(404, 'not_found', 'App not found.');
  res.writeHead(204).end();
  return Promise.resolve();
}

/** Stops a console run by its task id. */
function stopRun(
  { state, res }: ConsoleCall,
  [appId = '', , taskId = '']: readonly string[],
): Promise<void> {
  state.stopTask(appIn(state, appId), taskId);
  sendJson(res, 200, { result: 'success' });
  return Promise.resolve();
}

/** A draft run of a workflow or chatflow, streamed. */
async function draftRun(
  { state, req, res, arrivedMs }: ConsoleCall,
  [appId = '', route = '']: readonly string[],
): Promise<void> {
  const app = appIn(state, appId);
  const body = await readJson(req);
  const run = DRAFT_RUNS[route];
  if (run === undefined || app.dsl.mode !== run.mode)
    throw difyError(
      400,
      run?.code ?? 'not_found',
      'Please check if your app mode matches the right API route.',
    );
  await state.run(app, run.kind, body, app.dsl, res, arrivedMs);
}

/** A debug message of a chat or completion app, its model config standing in for the saved one. */
async function debugRun(
  { state, req, res, arrivedMs }: ConsoleCall,
  [appId = '', route = '']: readonly string[],
): Promise<void> {
  const app = appIn(state, appId);
  const body = await readJson(req);
  const override = asObject(body.model_config);
  // Nothing is saved: the override serves this run only.
  const dsl =
    override === undefined
      ? app.dsl
      : new SimDsl(stringify({ ...app.dsl.raw, model_config: override }));
  await state.run(
    app,
    route === 'chat-messages' ? 'chat' : 'completion',
    body,
    dsl,
    res,
    arrivedMs,
  );
}

/** The console API the simulator serves, path by path (under `/console/api`). */
const CONSOLE_ROUTES: readonly ConsoleRoute[] = [
  { method: 'POST', path: /^\/login$/, answer: login, open: true },
  { method: 'POST', path: /^\/refresh-token$/, answer: refresh, open: true },
  { method: 'DELETE', path: /^\/apps\/([^/]+)$/, answer: deleteApp },
  {
    method: 'POST',
    path: /^\/apps\/([^/]+)\/(workflow-runs\/tasks|chat-messages|completion-messages)\/([^/]+)\/stop$/,
    answer: stopRun,
  },
  {
    method: 'POST',
    path: /^\/apps\/([^/]+)\/(workflows\/draft\/run|advanced-chat\/workflows\/draft\/run)$/,
    answer: draftRun,
  },
  {
    method: 'POST',
    path: /^\/apps\/([^/]+)\/(chat-messages|completion-messages)$/,
    answer: debugRun,
  },
  { method: 'GET', path: /^\/apps\/([^/]+)\/export$/, answer: exportDsl },
  { method: 'POST', path: /^\/apps\/imports$/, answer: importDsl },
  { method: 'POST', path: /^\/apps\/imports\/([^/]+)\/confirm$/, answer: confirmImport },
  { method: 'GET', path: /^\/apps\/([^/]+)\/workflows\/draft$/, answer: readDraft },
  { method: 'POST', path: /^\/apps\/([^/]+)\/workflows\/draft$/, answer: syncDraft },
  { method: 'POST', path: /^\/apps\/([^/]+)\/workflows\/publish$/, answer: publish },
  { method: 'GET', path: /^\/apps\/([^/]+)\/workflows$/, answer: versions },
];

/** Serves `/console/api/*` (the path without that prefix). */
export async function handleConsole(
  state: ConsoleState,
  method: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const arrivedMs = performance.now();
  const found = findRoute(CONSOLE_ROUTES, method, path);
  // Without a session every other path is refused, known or not, as Dify's console does.
  if (found?.route.open !== true && !authorized(state, req))
    throw difyError(401, 'unauthorized', 'Please log in.');
  if (found === undefined)
    throw difyError(404, 'not_found', 'The requested URL was not found on the server.');
  await found.route.answer({ state, req, res, arrivedMs }, found.params);
}

function appIn(state: ConsoleState, id: string): SimApp {
  const app = state.apps.get(id);
  if (app === undefined) throw difyError(404, 'not_found', 'App not found.');
  return app;
}

/** The draft-run routes: the app mode each serves, the code of a wrong one, the run's kind. */
const DRAFT_RUNS: Readonly<
  Record<
    string,
    { readonly mode: string; readonly code: string; readonly kind: 'workflow' | 'chat' }
  >
> = {
  'workflows/draft/run': { mode: 'workflow', code: 'not_workflow_app', kind: 'workflow' },
  'advanced-chat/workflows/draft/run': {
    mode: 'advanced-chat',
    code: 'not_chat_app',
    kind: 'chat',
  },
};

/** A DSL as a key, its app's name left out (a copy's name differs from its original's). */
function unnamed(raw: Json): string {
  return JSON.stringify({ ...raw, app: { ...(raw.app as Json | undefined), name: '' } });
}

/** Overwrites `appId`'s DSL, or creates an app; returns the app's id. */
function apply(state: ConsoleState, dsl: SimDsl, appId: string | undefined): string {
  const existing = appId === undefined ? undefined : state.apps.get(appId);
  if (existing !== undefined) {
    existing.dsl = dsl;
    return existing.id;
  }
  const id = randomUUID();
  // A copy (`<name> [dify-autoopt …]`, a sandbox) behaves like the app it was copied from.
  // Apps may share a name, or a whole DSL: the app this DSL was last exported from comes first.
  const exported = state.exports.get(unnamed(dsl.raw));
  const origin = dsl.name.replace(/ \[dify-autoopt [^\]]*\]$/, '');
  const model =
    (exported === undefined ? undefined : state.apps.get(exported)) ??
    [...state.apps.values()].find((app) => app.dsl.name === origin);
  state.addApp({
    id,
    apiKey: `app-${randomUUID().replace(/-/g, '')}`,
    dslYaml: dsl.yaml,
    behaviour: model?.behaviour ?? {
      latency_ms: { minMs: 20, maxMs: 20 },
      failure_rate: 0,
      error_5xx_rate: 0,
      rate_429_rate: 0,
      cap_states_limit: true,
    },
  });
  return id;
}
