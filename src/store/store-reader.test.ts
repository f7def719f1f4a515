import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { aCase, aResult } from '../../test/support/records.js';
import { RunStore } from './run-store.js';
import { StoreError } from './store-error.js';
import { StoreReader } from './store-reader.js';

const path = (): string => join(mkdtempSync(join(tmpdir(), 'reader-')), 'runs.db');

const grade = (name: string, pass: boolean): unknown => ({
  name,
  type: 'contains',
  pass,
  score: pass ? 1 : 0,
});

/** A store with run r1: 6 cases of wf and wf2, two of them failing `mentions`. */
function seeded(file: string): RunStore {
  const store = RunStore.open(file);
  store.createRun({ id: 'r1', configFile: '/c.yaml', config: {}, toolVersion: '0.1.0' });
  store.addCases(
    'r1',
    Array.from({ length: 6 }, (_, i) =>
      aCase(`c${String(i)}`, {
        position: i,
        workflowId: i < 4 ? 'wf' : 'wf2',
        inputs: { topic: i === 2 ? 'zebra crossing' : `topic ${String(i)}` },
      }),
    ),
  );
  for (let i = 0; i < 6; i += 1) {
    const failed = i === 1 || i === 3;
    store.saveResult(
      'r1',
      aResult(`c${String(i)}`, {
        workflowId: i < 4 ? 'wf' : 'wf2',
        answer: i === 5 ? '<script>alert(1)</script>' : `answer ${String(i)}`,
        passed: !failed,
        score: failed ? 0 : 1,
        durationMs: 100 * (i + 1),
        tokens: 7,
        grades: [grade('mentions', !failed), grade('short', true)],
      }),
    );
  }
  return store;
}

const ids = (rows: readonly { caseId: string }[]): string[] => rows.map((r) => r.caseId);
const page = { offset: 0, limit: 50, sort: 'position' } as const;

describe('StoreReader', () => {
  it('reads the narrow index the store keeps as results are written: filters, sorts, search', () => {
    const file = path();
    seeded(file).close();
    const reader = StoreReader.open(file);
    expect(reader.runs()).toMatchObject([
      { id: 'r1', cases: 6, results: 6, passed: 4, tokens: 42, workflows: ['wf', 'wf2'] },
    ]);
    expect(ids(reader.results('r1', page).rows)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(ids(reader.results('r1', { ...page, sort: '-duration' }).rows)[0]).toBe('c5');
    expect(reader.results('r1', { ...page, status: 'failed' })).toMatchObject({
      total: 2,
      rows: [{ caseId: 'c1' }, { caseId: 'c3' }],
    });
    expect(reader.results('r1', { ...page, workflow: 'wf2' }).total).toBe(2);
    expect(reader.results('r1', { ...page, assertion: 'mentions' }).total).toBe(2);
    expect(reader.results('r1', { ...page, assertion: 'short' }).total).toBe(0);
    // Three characters and more: the trigram index, case-insensitively; fewer: a scan.
    expect(ids(reader.results('r1', { ...page, q: 'ZEBRA' }).rows)).toEqual(['c2']);
    expect(ids(reader.results('r1', { ...page, q: '<s' }).rows)).toEqual(['c5']);
    expect(ids(reader.results('r1', { ...page, q: '%' }).rows)).toEqual([]);
    expect(reader.results('r1', page).rows[5]?.preview).toBe('<script>alert(1)</script>');
    expect(reader.assertions('r1')).toMatchObject([
      { name: 'mentions', graded: 6, passed: 4 },
      { name: 'short', graded: 6, passed: 6 },
    ]);
    expect(reader.latency('r1', [50, 100], 3)).toEqual({
      percentiles: { p50: 300, p100: 600 },
      histogram: { width: 200, counts: [1, 2, 3] },
    });
    reader.close();
  });

  it('pages through ties without overlap, whichever way it sorts', () => {
    const file = path();
    seeded(file).close();
    const reader = StoreReader.open(file);
    for (const sort of ['tokens', '-tokens'] as const) {
      const first = reader.results('r1', { offset: 0, limit: 3, sort }).rows;
      const second = reader.results('r1', { offset: 3, limit: 3, sort }).rows;
      expect(new Set([...ids(first), ...ids(second)]).size).toBe(6);
    }
    reader.close();
  });

  it('keeps one row per case when a resume rewrites it, and forgets a deleted run', () => {
    const file = path();
    const store = seeded(file);
    store.saveResult('r1', aResult('c1', { passed: true, answer: 'fixed on resume', grades: [] }));
    const reader = StoreReader.open(file);
    expect(reader.results('r1', page).total).toBe(6);
    expect(reader.results('r1', { ...page, status: 'failed' }).total).toBe(1);
    expect(ids(reader.results('r1', { ...page, q: 'fixed on' }).rows)).toEqual(['c1']);
    expect(reader.results('r1', { ...page, q: 'answer 1' }).total).toBe(0);
    expect(reader.results('r1', { ...page, assertion: 'mentions' }).total).toBe(1);
    const before = reader.dataVersion();
    store.deleteRun('r1');
    expect(reader.dataVersion()).not.toBe(before);
    reader.close();
    store.close();
    const raw = new Database(file, { readonly: true });
    for (const table of ['result_index', 'result_grades', 'result_text'])
      expect(raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    raw.close();
  });

  it('says an older store needs a writer first, and a writer fills the index from its results', () => {
    const file = path();
    seeded(file).close();
    // Back to version 6: the store as a tool before the viewer left it.
    const raw = new Database(file);
    raw.exec(`DROP TRIGGER result_written; DROP TRIGGER result_index_gone;
      DROP TABLE result_grades; DROP TABLE result_text; DROP TABLE result_index;
      DELETE FROM schema_migrations WHERE version = 7;`);
    raw.close();
    expect(() => StoreReader.open(file)).toThrow(
      expect.objectContaining({ code: 'E_STORE_OUTDATED' }) as StoreError,
    );
    RunStore.open(file).close();
    const reader = StoreReader.open(file);
    expect(reader.results('r1', { ...page, status: 'failed' }).total).toBe(2);
    expect(reader.results('r1', { ...page, assertion: 'mentions' }).total).toBe(2);
    expect(ids(reader.results('r1', { ...page, q: 'zebra' }).rows)).toEqual(['c2']);
    reader.close();
  });
});
