import type { IncomingMessage, ServerResponse } from 'node:http';
import { conversationBody, pageLimit, type Conversations } from './conversations.js';
import type { SimApp } from './sim-app.js';
import { difyError, readJson, sendJson } from './sim-http.js';
import { findRoute, type Route } from './route-table.js';

type Json = Readonly<Record<string, unknown>>;

/** What a conversation route is given. */
interface RouteCall {
  readonly conversations: Conversations;
  readonly app: SimApp;
  readonly url: URL;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** A route under `/v1`; only chat apps have conversations (feedback takes completions too). */
interface ConversationRoute extends Route<RouteCall> {
  readonly chatOnly: boolean;
}

const CHAT_MODES = new Set(['chat', 'agent-chat', 'advanced-chat']);

// Dify's service API takes the end user from `user`, and "DEFAULT-USER" when it is absent.
const DEFAULT_USER = 'DEFAULT-USER';

function userOf(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : DEFAULT_USER;
}

function ratingOf(value: unknown): 'like' | 'dislike' | null {
  if (value === null || value === undefined) return null;
  if (value === 'like' || value === 'dislike') return value;
  throw difyError(400, 'invalid_param', 'rating must be like, dislike or null.');
}

const ROUTES: readonly ConversationRoute[] = [
  {
    method: 'GET',
    path: /^\/conversations$/,
    chatOnly: true,
    answer: ({ conversations, app, url, res }) => {
      const query = url.searchParams;
      sendJson(
        res,
        200,
        conversations.list(app.id, userOf(query.get('user')), {
          lastId: query.get('last_id'),
          limit: pageLimit(query.get('limit')),
          sortBy: query.get('sort_by') ?? '',
        }),
      );
      return Promise.resolve();
    },
  },
  {
    method: 'GET',
    path: /^\/messages$/,
    chatOnly: true,
    answer: ({ conversations, app, url, res }) => {
      const query = url.searchParams;
      const conversationId = query.get('conversation_id') ?? '';
      if (conversationId === '')
        throw difyError(400, 'invalid_param', 'conversation_id is required.');
      sendJson(
        res,
        200,
        conversations.history(app.id, userOf(query.get('user')), {
          conversationId,
          firstId: query.get('first_id'),
          limit: pageLimit(query.get('limit')),
        }),
      );
      return Promise.resolve();
    },
  },
  {
    method: 'POST',
    path: /^\/messages\/([^/]+)\/feedbacks$/,
    chatOnly: false,
    answer: async ({ conversations, app, req, res }, [id = '']) => {
      const body = await readJson(req);
      const content = typeof body.content === 'string' ? body.content : null;
      conversations.feedback(app.id, id, ratingOf(body.rating), content);
      sendJson(res, 200, { result: 'success' });
    },
  },
  {
    method: 'POST',
    path: /^\/conversations\/([^/]+)\/name$/,
    chatOnly: true,
    answer: async ({ conversations, app, req, res }, [id = '']) => {
      const body: Json = await readJson(req);
      const conversation = conversations.get(app.id, userOf(body.user), id);
      const name = typeof body.name === 'string' ? body.name.trim() : '';
      if (body.auto_generate === true) {
        // Dify asks the model for a title; the simulator takes the first question's words.
        conversation.name = (conversation.messages[0]?.query ?? conversation.name).slice(0, 30);
      } else if (name === '') {
        throw difyError(400, 'invalid_param', 'name is required when auto_generate is false.');
      } else conversation.name = name;
      conversation.updatedAt = Math.floor(Date.now() / 1000);
      sendJson(res, 200, conversationBody(conversation));
    },
  },
  {
    method: 'DELETE',
    path: /^\/conversations\/([^/]+)$/,
    chatOnly: true,
    answer: async ({ conversations, app, req, res }, [id = '']) => {
      const body = await readJson(req);
      conversations.delete(app.id, userOf(body.user), id);
      res.writeHead(204).end();
    },
  },
];

/**
 * Answers the conversation routes of the service API (list, history, feedback, rename,
 * delete) for `app`; false when `route` is none of them.
 */
export async function answerConversationRoute(
  conversations: Conversations,
  app: SimApp,
  request: { readonly method: string; readonly route: string; readonly url: URL },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const found = findRoute(ROUTES, request.method, request.route);
  if (found === undefined) return false;
  if (found.route.chatOnly && !CHAT_MODES.has(app.dsl.mode))
    throw difyError(
      400,
      'not_chat_app',
      'Please check if your app mode matches the right API route.',
    );
  await found.route.answer({ conversations, app, url: request.url, req, res }, found.params);
  return true;
}
