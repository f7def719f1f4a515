import { createParser, type EventSourceParser } from 'eventsource-parser';

/** What one frame of a Dify stream became. */
export type SseFrame =
  | { readonly kind: 'event'; readonly data: Readonly<Record<string, unknown>> }
  | { readonly kind: 'malformed'; readonly raw: string; readonly reason: string };

/**
 * Turns the bytes of a `text/event-stream` body into Dify's JSON events, whatever the chunk
 * boundaries (a frame, a line or a UTF-8 character may be split anywhere). Keep-alive pings and
 * frames without data are skipped; a frame whose data is not a JSON object is reported as
 * malformed rather than thrown.
 */
export class SseDecoder {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #parser: EventSourceParser;
  readonly #onFrame: (frame: SseFrame) => void;

  constructor(onFrame: (frame: SseFrame) => void) {
    this.#onFrame = onFrame;
    this.#parser = createParser({
      onEvent: (message) => {
        this.#message(message.event, message.data);
      },
      onError: (error) => {
        this.#onFrame({ kind: 'malformed', raw: error.line ?? '', reason: error.message });
      },
    });
  }

  /** Feeds the next chunk of the body. */
  push(chunk: Uint8Array | string): void {
    this.#parser.feed(
      typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true }),
    );
  }

  /** Ends the body: a last frame without its blank line is still read. */
  end(): void {
    // A blank line ends whatever frame is open; after a complete stream it dispatches nothing.
    this.#parser.feed(`${this.#decoder.decode()}\n\n`);
    this.#parser.reset();
  }

  #message(event: string | undefined, data: string): void {
    if (data.trim() === '' || event === 'ping') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      this.#onFrame({ kind: 'malformed', raw: data, reason: (error as Error).message });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.#onFrame({ kind: 'malformed', raw: data, reason: 'the data is not a JSON object' });
      return;
    }
    this.#onFrame({ kind: 'event', data: parsed as Record<string, unknown> });
  }
}
