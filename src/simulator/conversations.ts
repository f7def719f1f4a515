import { randomUUID } from 'node:crypto';
import { difyError } from './sim-http.js';

type Json = Readonly<Record<string, unknown>>;

/** One message of a chat or completion app, as Dify keeps it. */
export interface SimMessage {
  readonly id: string;
  readonly appId: string;
  readonly conversationId: string;
  readonly user: string;
  readonly inputs: Json;
  readonly query: string;
  readonly createdAt: number;
  /** The whole answer, once its run has ended. */
  answer: string;
  status: 'normal' | 'error';
  error: string | null;
  feedback: { readonly rating: 'like' | 'dislike'; readonly content: string | null } | null;
}

/** A conversation: an end user's messages with one chat app. */
export interface SimConversation {
  readonly id: string;
  readonly appId: string;
  readonly user: string;
  readonly inputs: Json;
  name: string;
  readonly createdAt: number;
  updatedAt: number;
  readonly messages: SimMessage[];
}

/** A page of a listing, as Dify answers it. */
export interface Page {
  readonly limit: number;
  readonly has_more: boolean;
  readonly data: readonly Json[];
}

const SORTS = ['created_at', '-created_at', 'updated_at', '-updated_at'] as const;
type Sort = (typeof SORTS)[number];

// Conversations kept per simulator; the oldest go first, as for runs.
const MAX_CONVERSATIONS = 100_000;

const notFound = (what: string) => difyError(404, 'not_found', `${what} Not Exists.`);

/** A page size as Dify reads it: 1 to 100, 20 when absent. */
export function pageLimit(text: string | null): number {
  if (text === null || text === '') return 20;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw difyError(400, 'invalid_param', 'limit must be an integer from 1 to 100.');
  return limit;
}

/**
 * The conversations and messages of every chat app, and each message's feedback, per end user
 * as the service API sees them (one user never sees another's).
 */
export class Conversations {
  readonly #conversations = new Map<string, SimConversation>();
  readonly #messages = new Map<string, SimMessage>();

  /**
   * The conversation a chat message goes to: the one named (it must be the user's, with this
   * app) or a new one. @throws 404 for a conversation the user does not have.
   */
  open(
    appId: string,
    user: string,
    fields: { readonly conversationId: string | undefined; readonly inputs: Json },
  ): SimConversation {
    if (fields.conversationId !== undefined) return this.get(appId, user, fields.conversationId);
    const now = Math.floor(Date.now() / 1000);
    const conversation: SimConversation = {
      id: randomUUID(),
      appId,
      user,
      inputs: fields.inputs,
      name: 'New conversation',
      createdAt: now,
      updatedAt: now,
      messages: [],
    };
    this.#conversations.set(conversation.id, conversation);
    if (this.#conversations.size > MAX_CONVERSATIONS) {
      const oldest = this.#conversations.values().next().value;
      if (oldest !== undefined) this.delete(oldest.appId, oldest.user, oldest.id);
    }
    return conversation;
  }

  /** A user's conversation with an app. @throws 404 when it is not theirs or not there. */
  get(appId: string, user: string, id: string): SimConversation {
    const conversation = this.#conversations.get(id);
    if (conversation?.appId !== appId || conversation.user !== user) throw notFound('Conversation');
    return conversation;
  }

  /** Adds a message (its answer comes when its run ends); the conversation is updated now. */
  addMessage(
    conversation: SimConversation,
    fields: { readonly id: string; readonly query: string; readonly inputs: Json },
  ): SimMessage {
    const message: SimMessage = {
      id: fields.id,
      appId: conversation.appId,
      conversationId: conversation.id,
      user: conversation.user,
      inputs: fields.inputs,
      query: fields.query,
      createdAt: Math.floor(Date.now() / 1000),
      answer: '',
      status: 'normal',
      error: null,
      feedback: null,
    };
    conversation.messages.push(message);
    conversation.updatedAt = message.createdAt;
    if (conversation.name === 'New conversation' && fields.query !== '')
      conversation.name = fields.query.slice(0, 30);
    this.#messages.set(message.id, message);
    return message;
  }

  /** A message of an app, whoever sent it (feedback names it by id). */
  message(appId: string, id: string): SimMessage {
    const message = this.#messages.get(id);
    if (message?.appId !== appId) throw notFound('Message');
    return message;
  }

  /** `GET /conversations`: the user's conversations, sorted, after `lastId`. */
  list(
    appId: string,
    user: string,
    query: { readonly lastId: string | null; readonly limit: number; readonly sortBy: string },
  ): Page {
    const sortBy = query.sortBy === '' ? '-updated_at' : query.sortBy;
    if (!SORTS.includes(sortBy as Sort))
      throw difyError(400, 'invalid_param', `sort_by must be one of ${SORTS.join(', ')}.`);
    const field = sortBy.replace('-', '') as 'created_at' | 'updated_at';
    const sign = sortBy.startsWith('-') ? -1 : 1;
    const key = (c: SimConversation): number =>
      field === 'created_at' ? c.createdAt : c.updatedAt;
    const mine = [...this.#conversations.values()]
      .filter((c) => c.appId === appId && c.user === user)
      .map((c, order) => ({ c, order }))
      // Ties keep the order of creation, newest first for a descending sort.
      .sort((a, b) => sign * (key(a.c) - key(b.c) || a.order - b.order))
      .map(({ c }) => c);
    let start = 0;
    if (query.lastId !== null && query.lastId !== '') {
      const at = mine.findIndex((c) => c.id === query.lastId);
      if (at < 0) throw notFound('Last Conversation');
      start = at + 1;
    }
    const page = mine.slice(start, start + query.limit);
    return {
      limit: query.limit,
      has_more: start + query.limit < mine.length,
      data: page.map(conversationBody),
    };
  }

  /** `GET /messages`: a conversation's messages, oldest first, those before `firstId`. */
  history(
    appId: string,
    user: string,
    query: {
      readonly conversationId: string;
      readonly firstId: string | null;
      readonly limit: number;
    },
  ): Page {
    const { messages } = this.get(appId, user, query.conversationId);
    let end = messages.length;
    if (query.firstId !== null && query.firstId !== '') {
      end = messages.findIndex((m) => m.id === query.firstId);
      if (end < 0) throw notFound('First Message');
    }
    const start = Math.max(0, end - query.limit);
    return {
      limit: query.limit,
      has_more: start > 0,
      data: messages.slice(start, end).map(messageBody),
    };
  }

  /** Records (or with `null`, removes) a message's feedback. */
  feedback(
    appId: string,
    id: string,
    rating: 'like' | 'dislike' | null,
    content: string | null,
  ): void {
    const message = this.message(appId, id);
    message.feedback = rating === null ? null : { rating, content };
  }

  /** Deletes a user's conversation and its messages. */
  delete(appId: string, user: string, id: string): void {
    const conversation = this.get(appId, user, id);
    for (const message of conversation.messages) this.#messages.delete(message.id);
    this.#conversations.delete(id);
  }
}

/** A conversation as the service API shows it. */
export function conversationBody(conversation: SimConversation): Json {
  return {
    id: conversation.id,
    name: conversation.name,
    inputs: conversation.inputs,
    status: 'normal',
    introduction: '',
    created_at: conversation.createdAt,
    updated_at: conversation.updatedAt,
  };
}

/** A message as the service API's history shows it. */
function messageBody(message: SimMessage): Json {
  return {
    id: message.id,
    conversation_id: message.conversationId,
    parent_message_id: null,
    inputs: message.inputs,
    query: message.query,
    answer: message.answer,
    message_files: [],
    feedback: message.feedback === null ? null : { rating: message.feedback.rating },
    retriever_resources: [],
    created_at: message.createdAt,
    agent_thoughts: [],
    status: message.status,
    error: message.error,
  };
}
