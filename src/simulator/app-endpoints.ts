import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { SimApp } from './sim-app.js';
import type { SimDsl } from './sim-dsl.js';
import { runData } from './run-events.js';
import { difyError, sendJson } from './sim-http.js';
import { asText } from '../core/json-value.js';

type Json = Readonly<Record<string, unknown>>;

const ROUTE_MODES: Readonly<Record<string, readonly string[]>> = {
  workflow: ['workflow'],
  chat: ['chat', 'agent-chat', 'advanced-chat'],
  completion: ['completion'],
};

const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;

/** The answer of `GET /parameters`: the app's input form. */
export function parametersBody(dsl: SimDsl): Json {
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

/** Checks a run request as Dify does: the route for the mode, the user, the inputs. */
export function validateRunRequest(
  app: SimApp,
  kind: string,
  body: Json,
  dsl: SimDsl = app.dsl,
): { user: string; inputs: Json; query: string | undefined; streaming: boolean } {
  if (!(ROUTE_MODES[kind] ?? []).includes(dsl.mode)) {
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
  if (mode === 'blocking' && dsl.mode === 'agent-chat')
    throw difyError(400, 'invalid_param', 'Agent Chat App does not support blocking mode');
  const inputs =
    typeof body.inputs === 'object' && body.inputs !== null && !Array.isArray(body.inputs)
      ? (body.inputs as Json)
      : {};
  const query = typeof body.query === 'string' ? body.query : undefined;
  if (kind === 'chat' && (query === undefined || query === ''))
    throw difyError(400, 'invalid_param', 'query is required');
  for (const input of dsl.inputs()) {
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
    if (value !== undefined && input.options.length > 0 && !input.options.includes(asText(value))) {
      throw difyError(
        400,
        'invalid_param',
        `${input.variable} in input form must be one of the following: ${input.options.join(', ')}`,
      );
    }
  }
  return { user, inputs, query, streaming: mode === 'streaming' };
}

/** A page of `GET /workflows/logs`, newest first. */
export function logsPage(app: SimApp, params: URLSearchParams): Json {
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
      workflow_run: { ...runData(record), version: 'draft' },
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

/** Serves `POST /files/upload`, keeping the file's record in `files`. */
export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  files: Map<string, Json>,
): Promise<void> {
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
  if (!(file instanceof Blob)) throw difyError(400, 'no_file_uploaded', 'Please upload your file.');
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
  files.set(String(record.id), record);
  sendJson(res, 201, record);
}
