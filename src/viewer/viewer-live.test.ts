import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { crashMidWrite } from '../../test/support/crash-mid-write.js';
import { viewerStore, writeRun } from '../../test/support/viewer-store.js';
import { RunStore } from '../store/run-store.js';
import { StoreReader } from '../store/store-reader.js';
import { openForViewing } from './open-for-viewing.js';
import { createViewerApp } from './viewer-app.js';

const open: StoreReader[] = [];
afterEach(() => {
  for (const reader of open.splice(0)) reader.close();
});

/** Reads server-sent events off `body` until `until` says stop. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (events: string[]) => boolean,
): Promise<string[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: string[] = [];
  let text = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      events.push(/^event: (.*)$/m.exec(text.slice(0, end))?.[1] ?? '');
      text = text.slice(end + 2);
    }
  }
  await reader.cancel();
  return events;
}

describe('the viewer, live', () => {
  it('pushes a change event when a run writes to the store, and nothing while it is quiet', async () => {
    const { path } = viewerStore();
    const writer = RunStore.open(path);
    const reader = StoreReader.open(path);
    open.push(reader);
    const app = createViewerApp({ reader, assets: new Map(), pollMs: 5, pingMs: 40 });
    const response = await app.request('http://127.0.0.1/api/events');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const body = response.body!;
    let wrote = false;
    const events = await readEvents(body, (seen) => {
      if (seen.includes('ping') && !wrote) {
        wrote = true;
        writeRun(writer, 'live', 3, () => true, { finish: false });
      }
      return seen.includes('change');
    });
    writer.close();
    expect(events[0]).toBe('hello');
    // Quiet first (keep-alives only), then the write.
    expect(events.slice(1, events.indexOf('change'))).not.toContain('change');
    expect(events.at(-1)).toBe('change');
    expect(reader.run('live')).toMatchObject({ results: 3, status: 'running' });
  });

  it('opens a store a crash left mid-write (the read-only repair path)', () => {
    const { path } = viewerStore();
    crashMidWrite(path);
    const reader = openForViewing(path, () => undefined);
    open.push(reader);
    expect(reader.runs().map((r) => r.id)).toEqual(['opt', 'head', 'base']);
  });

  it('indexes a store older than the viewer once, saying so, then reads it', () => {
    const { path } = viewerStore();
    const raw = RunStore.open(path);
    raw.close();
    const sql = new Database(path);
    sql.exec(`DROP TRIGGER result_written; DROP TRIGGER result_index_gone; DROP TABLE result_grades;
      DROP TABLE result_text; DROP TABLE result_index; DELETE FROM schema_migrations WHERE version = 7;`);
    sql.close();
    const said: string[] = [];
    const reader = openForViewing(path, (line) => said.push(line));
    open.push(reader);
    expect(said).toEqual([`indexing ${path} for the viewer (schema 7), once`]);
    expect(
      reader.results('base', { offset: 0, limit: 10, sort: 'position', status: 'failed' }).total,
    ).toBe(5);
  });
});
