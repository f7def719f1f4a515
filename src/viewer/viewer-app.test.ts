import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOSTILE, SECRET, viewerStore, writeRun } from '../../test/support/viewer-store.js';
import { RunStore } from '../store/run-store.js';
import { StoreReader, type ResultRow } from '../store/store-reader.js';
import type { ComparisonView } from './compare-view.js';
import type { DiffPart, OptimizationView } from './optimization-view.js';
import type { RunEntry, RunSummaryView } from './run-summary.js';
import { createViewerApp } from './viewer-app.js';
import type { ViewerAssets } from './viewer-assets.js';

const assets: ViewerAssets = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: '<!doctype html><title>viewer</title>' }],
]);

let path: string;
let reader: StoreReader;

beforeEach(() => {
  ({ path } = viewerStore());
  reader = StoreReader.open(path);
});
afterEach(() => {
  reader.close();
});

interface Failure {
  readonly error: { readonly code: string; readonly message: string };
}
interface Page {
  readonly offset: number;
  readonly total: number;
  readonly rows: ResultRow[];
}

/** GETs `url` from the app; its status, its JSON as `T`, and its raw text. */
// The answer's type is what the route promises (its view type): stated here once per call.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
async function get<T = Failure>(url: string): Promise<{ status: number; body: T; text: string }> {
  const response = await createViewerApp({ reader, assets }).request(url);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as T, text };
}

const ids = (rows: readonly { readonly caseId: string }[]): string[] => rows.map((r) => r.caseId);

describe('the viewer API', () => {
  it('lists the runs, newest first, with pass rates and intervals', async () => {
    const { status, body } = await get<{ runs: RunEntry[] }>('/api/runs');
    expect(status).toBe(200);
    expect(body.runs.map((r) => r.id)).toEqual(['opt', 'head', 'base']);
    expect(body.runs[2]).toMatchObject({
      cases: 10,
      results: 10,
      running: false,
      rate: { passed: 5, ended: 10, rate: 0.5 },
    });
    expect(body.runs[2]?.rate.interval?.[0]).toBeLessThan(0.5);
    expect(body.runs[0]?.optimization).toBe(true);
  });

  it('summarizes a run: groups, assertions, statuses, latency percentiles and histogram', async () => {
    const { body } = await get<RunSummaryView>('/api/runs/base');
    expect(body.groups).toMatchObject([{ workflowId: 'wf', variant: null, passed: 5, ended: 10 }]);
    expect(body.assertions).toMatchObject([
      { name: 'mentions topic', passed: 5, ended: 10, errors: 0 },
    ]);
    expect(body.statuses).toEqual({ succeeded: 10 });
    expect(Object.keys(body.latency)).toEqual(['p50', 'p90', 'p95', 'p99']);
    expect(body.histogram.counts.reduce((a, b) => a + b, 0)).toBe(10);
    const missing = await get('/api/runs/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'E_VIEW_NOT_FOUND', message: 'no run nope' } });
  });

  it('pages, sorts and filters results on the server, and names a bad parameter', async () => {
    const page = (await get<Page>('/api/runs/base/results?limit=3&offset=3')).body;
    expect(page).toMatchObject({ offset: 3, total: 10 });
    expect(ids(page.rows)).toEqual(['case-3', 'case-4', 'case-5']);
    const failed = (await get<Page>('/api/runs/base/results?status=failed&sort=-duration')).body;
    expect(failed.total).toBe(5);
    const durations = failed.rows.map((r) => r.durationMs ?? 0);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
    const byAssertion = await get<Page>('/api/runs/base/results?assertion=mentions%20topic');
    expect(byAssertion.body.total).toBe(5);
    expect(ids((await get<Page>('/api/runs/base/results?q=topic%207')).body.rows)).toEqual([
      'case-7',
    ]);
    expect((await get<Page>('/api/runs/base/results?variant=')).body.total).toBe(10);
    const hostile = (await get<Page>('/api/runs/base/results?q=onerror')).body.rows;
    expect(hostile.map((r) => r.preview)).toEqual([HOSTILE]);
    for (const [query, named] of [
      ['sort=secret', 'sort'],
      ['limit=0', 'limit'],
      ['limit=9999', 'limit'],
      ['offset=-1', 'offset'],
    ] as const) {
      const { status, body } = await get(`/api/runs/base/results?${query}`);
      expect(status).toBe(400);
      expect(body.error.code).toBe('E_VIEW_BAD_QUERY');
      expect(body.error.message).toContain(named);
    }
  });

  it('opens a case: inputs, output, grades with reasons, attempts, timings and its nodes', async () => {
    const { body } = await get<{
      caseId: string;
      result: { grades: { pass: boolean; reason: string }[]; nodes: { title: string }[] };
    }>('/api/runs/base/results/case-1');
    expect(body).toMatchObject({
      caseId: 'case-1',
      inputs: { topic: 'topic 1' },
      result: { passed: false, attempts: 1 },
    });
    expect(body.result.grades[0]).toMatchObject({
      pass: false,
      reason: 'no "topic" in the answer',
    });
    expect(body.result.nodes.map((n) => n.title)).toEqual(['Start', 'LLM', 'End']);
    expect((await get('/api/runs/base/results/missing')).status).toBe(404);
  });

  it('compares two runs: rates, McNemar p, and the flipped cases with both outputs', async () => {
    const { body } = await get<ComparisonView>('/api/compare?a=base&b=head');
    expect(body).toMatchObject({
      paired: 10,
      regressedCount: 1,
      improvedCount: 5,
      a: { passed: 5 },
      b: { passed: 9 },
    });
    // Two-sided exact McNemar, 1 against 5 discordant pairs: 2 × (1 + 6) / 2⁶.
    expect(body.pValue).toBeCloseTo(14 / 64, 6);
    expect(body.regressed).toMatchObject([
      { a: { caseId: 'case-4', output: 'answer about topic 4', passed: true } },
    ]);
    expect(body.improved.map((f) => f.a.caseId)).toEqual([
      'case-1',
      'case-3',
      'case-5',
      'case-7',
      'case-9',
    ]);
    expect((await get('/api/compare?a=base')).status).toBe(400);
    const gone = await get('/api/compare?a=base&b=gone@x');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe('b: no run gone@x in the store');
  });

  it('pairs two variants of one run', async () => {
    const store = RunStore.open(path);
    writeRun(store, 'variants', 4, () => false, { variant: 'current' });
    writeRun(store, 'variants', 4, () => true, { variant: 'polite', prefix: 'p-' });
    store.close();
    const { body } = await get<ComparisonView>('/api/compare?a=variants@current&b=variants@polite');
    expect(body).toMatchObject({ paired: 4, improvedCount: 4, regressedCount: 0 });
    expect(body.improved[0]).toMatchObject({ a: { caseId: 'case-0' }, b: { caseId: 'p-case-0' } });
  });

  it("shows an optimization's candidates with their diffs, the Pareto pool and the verdict", async () => {
    const { body } = await get<OptimizationView>('/api/optimizations/opt');
    expect(body.outcome).toMatchObject({
      accepted: true,
      best: { candidate_id: 'c1', heldout: 0.8 },
    });
    const [c1, c2] = body.candidates;
    expect(c1).toMatchObject({ id: 'c1', inPool: true, status: 'validated' });
    expect(c2).toMatchObject({ id: 'c2', inPool: false, status: 'lost-minibatch' });
    const side = (diff: readonly DiffPart[] | null | undefined, drop: string): string =>
      (diff ?? [])
        .filter((part) => part.op !== drop)
        .map((part) => part.text)
        .join('');
    expect(side(c1?.diff, '+')).toBe('Answer the question.');
    expect(side(c1?.diff, '-')).toBe('Answer the question, naming its topic.');
    expect(c1?.diff?.some((part) => part.op === '=')).toBe(true);
    // c2's parent is c1: its edit is shown against c1's text, not the app's.
    expect(side(c2?.diff, '+')).toBe('Answer the question, naming its topic.');
    expect(side(c2?.diff, '-')).toBe('Be brief.');
    expect(body.baselineInPool).toBe(true);
    expect((await get('/api/optimizations/base')).status).toBe(404);
  });

  it('never serves a secret the stored configuration held', async () => {
    for (const url of [
      '/api/runs',
      '/api/runs/base',
      '/api/runs/base/results',
      '/api/runs/base/results/case-1',
      '/api/compare?a=base&b=head',
      '/api/optimizations/opt',
    ]) {
      const { status, text } = await get(url);
      expect(status).toBe(200);
      expect(text).not.toContain(SECRET);
    }
  });
});
