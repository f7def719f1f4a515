import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake proposer answers to one call. */
export type ProposerAnswer =
  | { readonly kind: 'http'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'content'; readonly content: string; readonly finishReason?: string };

/** A call as the fake proposer saw it. */
export interface SeenCall {
  readonly authorization: string | undefined;
  readonly body: string;
  readonly messages: readonly { readonly role: string; readonly content: string }[];
}

/** The current prompt text of an optimizer's request (the block after `Current text:`). */
export function currentText(user: string): string {
  return /Current text:\n(`{3,})[^\n]*\n([\s\S]*?)\n\1/.exec(user)?.[2] ?? '';
}

/**
 * A scripted OpenAI-compatible endpoint on 127.0.0.1 (`POST /v1/chat/completions`) standing in
 * for a proposer: `script` answers in order, then `fallback` answers from the request's first
 * user message. Every call is kept.
 */
export class FakeProposer {
  readonly calls: SeenCall[] = [];
  readonly script: ProposerAnswer[] = [];
  fallback: (user: string) => ProposerAnswer = (user) => ({
    kind: 'content',
    content: `Adding an instruction.\n\`\`\`\n${currentText(user)}\nAnswer carefully.\n\`\`\``,
  });
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeProposer> {
    const server = createServer();
    const fake = new FakeProposer(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void fake.#handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${String((this.#server.address() as AddressInfo).port)}/v1`;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const parsed = JSON.parse(body) as { messages: { role: string; content: string }[] };
    this.calls.push({
      authorization: request.headers.authorization,
      body,
      messages: parsed.messages,
    });
    const user = parsed.messages.find((m) => m.role === 'user')?.content ?? '';
    const answer = this.script.shift() ?? this.fallback(user);
    if (answer.kind === 'http') {
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter }),
      });
      response.end(JSON.stringify({ error: { message: `scripted ${String(answer.status)}` } }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 0,
        model: 'fake',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: answer.content },
            finish_reason: answer.finishReason ?? 'stop',
          },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }
}
