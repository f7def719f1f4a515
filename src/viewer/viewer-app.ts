import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { AutoOptError } from '../core/autoopt-error.js';
import type { StoreReader } from '../store/store-reader.js';
import { compareView } from './compare-view.js';
import { optimizationView } from './optimization-view.js';
import { resultsQueryOf } from './results-params.js';
import { runEntry, runSummary } from './run-summary.js';
import type { ViewerAssets } from './viewer-assets.js';
import { ViewerError } from './viewer-error.js';
import { viewerGuard } from './viewer-guard.js';

/** What the viewer's app serves from. */
export interface ViewerOptions {
  readonly reader: StoreReader;
  readonly assets: ViewerAssets;
  /** Required on every request when set (a host other than loopback). */
  readonly token?: string | undefined;
  /** Whether the server listens on loopback only (then only loopback Host headers pass). */
  readonly loopback?: boolean;
  /** How often the events stream looks at the store's data_version (ms; 250 by default). */
  readonly pollMs?: number;
  /** How often the events stream sends a keep-alive (ms; 15 s by default). */
  readonly pingMs?: number;
  /** Ends every events stream (the server is closing). */
  readonly signal?: AbortSignal;
}

const notFound = (what: string): ViewerError => new ViewerError('E_VIEW_NOT_FOUND', what, 404);

const found = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw notFound(what);
  return value;
};

/** Every value as JSON, never cached (a run that is writing changes under it). */
const json = (c: Context, value: unknown): Response => {
  c.header('cache-control', 'no-store');
  return c.json(value as object);
};

/** The events stream: `change` whenever another connection commits to the store. */
function events(c: Context, options: ViewerOptions): Response {
  const { reader, pollMs = 250, pingMs = 15_000, signal } = options;
  return streamSSE(c, async (stream) => {
    let version = reader.dataVersion();
    let quiet = 0;
    await stream.writeSSE({ event: 'hello', data: String(version) });
    const open = (): boolean => !stream.aborted && !stream.closed && signal?.aborted !== true;
    while (open()) {
      await stream.sleep(pollMs);
      if (!open()) break;
      const now = reader.dataVersion();
      quiet += pollMs;
      if (now !== version) {
        version = now;
        quiet = 0;
        await stream.writeSSE({ event: 'change', data: String(now) });
      } else if (quiet >= pingMs) {
        quiet = 0;
        await stream.writeSSE({ event: 'ping', data: '' });
      }
    }
  });
}

/** The JSON API of the viewer spec, read from `reader`. */
function api(options: ViewerOptions): Hono {
  const { reader } = options;
  const routes = new Hono();
  routes
    .get('/runs', (c) => json(c, { runs: reader.runs().map(runEntry) }))
    .get('/runs/:id', (c) =>
      json(c, found(runSummary(reader, c.req.param('id')), `no run ${c.req.param('id')}`)),
    )
    .get('/runs/:id/results', (c) => {
      const id = c.req.param('id');
      found(reader.run(id), `no run ${id}`);
      const query = resultsQueryOf(new URL(c.req.url).searchParams);
      return json(c, { offset: query.offset, ...reader.results(id, query) });
    })
    .get('/runs/:id/results/:case', (c) => {
      const { id, case: caseId } = c.req.param();
      return json(c, {
        caseId,
        ...found(reader.caseDetail(id, caseId), `no case ${caseId} in run ${id}`),
      });
    })
    .get('/compare', (c) => json(c, compareView(reader, c.req.query('a'), c.req.query('b'))))
    .get('/optimizations/:id', (c) =>
      json(
        c,
        found(optimizationView(reader, c.req.param('id')), `no optimization ${c.req.param('id')}`),
      ),
    )
    .get('/events', (c) => events(c, options));
  return routes;
}

/**
 * The viewer as a Hono app: the page's files at `/`, `/app.js`, `/app.css`, the JSON API under
 * `/api`, behind the guard (read-only, loopback or token, security headers). Errors answer as
 * `{ error: { code, message } }`.
 */
export function createViewerApp(options: ViewerOptions): Hono {
  const app = new Hono();
  app.use(viewerGuard({ token: options.token, loopback: options.loopback ?? true }));
  app.route('/api', api(options));
  for (const [path, asset] of options.assets)
    app.get(path, (c) => {
      c.header('content-type', asset.type);
      c.header('cache-control', 'no-cache');
      return c.body(asset.body);
    });
  app.notFound((c) =>
    c.json({ error: { code: 'E_VIEW_NOT_FOUND', message: `no page ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    if (error instanceof ViewerError)
      return c.json({ error: { code: error.code, message: error.message } }, error.status);
    const code = error instanceof AutoOptError ? error.code : 'E_VIEW_INTERNAL';
    return c.json({ error: { code, message: error.message } }, 500);
  });
  return app;
}
