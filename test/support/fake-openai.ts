import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake endpoint answers to one call: a verdict, an HTTP error, or raw text. */
export type FakeAnswer =
  | { readonly kind: 'verdict'; readonly score: number; readonly reason: string }
  | { readonly kind: 'http'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'text'; readonly text: string };

/** A chat completions request as the fake endpoint saw it. */
export interface SeenRequest {
  readonly model: string;
  readonly authorization: string | undefined;
  readonly rubric: string;
  readonly output: string;
}

/**
 * A local OpenAI-compatible endpoint (`POST /v1/chat/completions`) on 127.0.0.1, so the judge is
 * tested over real HTTP and never against a real model. By default the verdict is 0.9 when the
 * output contains the rubric's first quoted word, else 0.1; `script` overrides answers in order.
 */
export class FakeOpenAi {
  readonly requests: SeenRequest[] = [];
  readonly script: FakeAnswer[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeOpenAi> {
    const server = createServer();
    const fake = new FakeOpenAi(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void fake.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${String((this.#server.address() as AddressInfo).port)}/v1`;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.url !== '/v1/chat/completions') {
      response.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      model: string;
      messages: { role: string; content: string }[];
    };
    const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
    const [, rubric = '', output = ''] =
      /^Rubric:\n([\s\S]*?)\n\nOutput:\n([\s\S]*)$/.exec(user) ?? [];
    this.requests.push({
      model: body.model,
      authorization: request.headers.authorization,
      rubric,
      output,
    });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // In flight until answered, or until the client hangs up.
    let counted = true;
    const done = (): void => {
      if (counted) this.inFlight -= 1;
      counted = false;
    };
    response.on('close', done);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (response.destroyed) return;
    done();
    const answer = this.script.shift() ?? this.#grade(rubric, output);
    if (answer.kind === 'http') {
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter }),
      });
      response.end(
        JSON.stringify({ error: { message: `fake error ${String(answer.status)}`, type: 'fake' } }),
      );
      return;
    }
    const content =
      answer.kind === 'text'
        ? answer.text
        : JSON.stringify({ score: answer.score, reason: answer.reason });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id: `chatcmpl-${String(this.requests.length)}`,
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  }

  #grade(rubric: string, output: string): FakeAnswer {
    const word = /"([^"]+)"/.exec(rubric)?.[1];
    const good = word !== undefined && output.toLowerCase().includes(word.toLowerCase());
    return good
      ? { kind: 'verdict', score: 0.9, reason: `mentions ${word}` }
      : { kind: 'verdict', score: 0.1, reason: `does not mention ${word ?? 'the word'}` };
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}
