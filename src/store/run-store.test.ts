import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { crashMidWrite } from '../../test/support/crash-mid-write.js';
import { MIGRATIONS } from './migrations.js';
import { RunStore, type CaseRecord, type ResultRecord } from './run-store.js';
import { StoreError } from './store-error.js';

function result(caseId: string, status: string, extra: Partial<ResultRecord> = {}): ResultRecord {
  return {
    caseId,
    workflowId: 'wf',
    variant: null,
    status,
    difyStatus: status === 'succeeded' ? 'succeeded' : null,
    outputs: { answer: caseId },
    answer: null,
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    queueMs: 1,
    durationMs: 10,
    totalMs: 10,
    difyElapsedMs: 9,
    tokens: 5,
    cost: 0.01,
    workflowRunId: `run-${caseId}`,
    taskId: `task-${caseId}`,
    nodes: [],
    finishedAt: 1,
    passed: status === 'succeeded',
    score: status === 'succeeded' ? 1 : 0,
    gradeClass: null,
    grades: undefined,
    ...extra,
  };
}

function caseRecord(caseId: string, position: number): CaseRecord {
  return {
    caseId,
    position,
    workflowId: 'wf',
    variant: null,
    caseIndex: position,
    repeatIndex: 0,
    inputs: {},
    query: null,
    reference: null,
  };
}

function fresh(): { store: RunStore; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'nested', 'runs.db');
  let clock = 1000;
  return { store: RunStore.open(path, { now: () => (clock += 1) }), path };
}

describe('RunStore', () => {
  it('creates its folder and file, in WAL mode, at the latest schema version', () => {
    const { store } = fresh();
    expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
    store.close();
  });

  it('keeps runs, cases and results, and reads them back in case order', () => {
    const { store, path } = fresh();
    store.createRun({
      id: 'r1',
      configFile: '/c.yaml',
      config: { dify: { base_url: 'x' } },
      toolVersion: '0.1.0',
    });
    store.addCases('r1', [
      {
        caseId: 'b',
        position: 1,
        workflowId: 'wf',
        variant: null,
        caseIndex: 2,
        repeatIndex: 0,
        inputs: { q: 2 },
        query: null,
        reference: 'B',
      },
      {
        caseId: 'a',
        position: 0,
        workflowId: 'wf',
        variant: null,
        caseIndex: 1,
        repeatIndex: 0,
        inputs: { q: 1 },
        query: 'hi',
        reference: undefined,
      },
    ]);
    store.saveResult('r1', result('b', 'failed', { errorCode: 'E_X', errorMessage: 'bad' }));
    store.saveResult('r1', result('a', 'succeeded'));
    store.addEvent('r1', 'start', { cases: 2 });
    store.setRunStatus('r1', 'finished', { reason: 'done', statistics: { passRate: 0.5 } });
    store.close();
    const again = RunStore.open(path);
    expect(again.getRun('r1')).toMatchObject({
      id: 'r1',
      status: 'finished',
      statusReason: 'done',
      configFile: '/c.yaml',
      statistics: { passRate: 0.5 },
    });
    expect(again.cases('r1').map((c) => [c.caseId, c.query, c.reference])).toEqual([
      ['a', 'hi', null],
      ['b', null, 'B'],
    ]);
    expect([...again.results('r1')].map((r) => [r.caseId, r.status, r.errorCode])).toEqual([
      ['a', 'succeeded', null],
      ['b', 'failed', 'E_X'],
    ]);
    expect(again.countByStatus('r1')).toEqual({ succeeded: 1, failed: 1 });
    expect(again.caseIdsWithStatus('r1', ['failed', 'error'])).toEqual(new Set(['b']));
    expect(again.listRuns().map((r) => r.id)).toEqual(['r1']);
    expect(again.getRun('nope')).toBeUndefined();
    again.close();
  });

  it('saves results that ended together in one commit, all or none', () => {
    const { store } = fresh();
    store.createRun({ id: 'r', configFile: null, config: {}, toolVersion: 't' });
    store.addCases('r', [caseRecord('a', 0), caseRecord('b', 1)]);
    store.saveResults('r', [result('a', 'succeeded'), result('b', 'failed')]);
    expect(store.countByStatus('r')).toEqual({ succeeded: 1, failed: 1 });
    // A batch with a bad row (a result for no run) is refused whole.
    expect(() => {
      store.saveResults('nope', [result('a', 'succeeded')]);
    }).toThrow(StoreError);
    expect(store.passedCount('r')).toBe(1);
    store.close();
  });

  it('replaces a result saved again, and keeps cases added twice once', () => {
    const { store } = fresh();
    store.createRun({ id: 'r', configFile: null, config: {}, toolVersion: 'v' });
    const c = { ...caseRecord('a', 0), caseIndex: 1 };
    store.addCases('r', [c]);
    store.addCases('r', [c]);
    store.saveResult('r', result('a', 'failed'));
    store.saveResult('r', result('a', 'succeeded'));
    expect(store.cases('r')).toHaveLength(1);
    expect(store.countByStatus('r')).toEqual({ succeeded: 1 });
    store.close();
  });

  it('refuses a file that is not a run store, and a read-only one, with clear errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-bad-'));
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite, not at all, it is text'.repeat(100));
    expect(() => RunStore.open(junk)).toThrow(StoreError);
    expect(() => RunStore.open(junk)).toThrow(
      expect.objectContaining({ code: 'E_STORE_CORRUPT' }) as Error,
    );
    const { store, path } = fresh();
    store.close();
    chmodSync(path, 0o444);
    // root writes to read-only files anyway; the check means something only for other users.
    if (process.getuid?.() !== 0) {
      expect(() => RunStore.open(path)).toThrow(
        expect.objectContaining({ code: 'E_STORE_UNWRITABLE' }) as Error,
      );
    }
    expect(() => RunStore.open(join(dir, 'missing.db'), { readonly: true })).toThrow(StoreError);
  });

  it('reads a store a crash left mid-write, read-only: opened once for writing, it repairs itself', () => {
    const { store, path } = fresh();
    store.createRun({ id: 'kept', configFile: null, config: {}, toolVersion: 't' });
    store.close();
    crashMidWrite(path);
    // What SQLite answers a reader that finds the hot journal.
    const raw = new Database(path, { readonly: true });
    expect(() => raw.prepare('SELECT COUNT(*) FROM events').get()).toThrow(
      expect.objectContaining({ code: 'SQLITE_READONLY_ROLLBACK' }) as Error,
    );
    raw.close();
    const reader = RunStore.open(path, { readonly: true });
    expect(reader.listRuns().map((r) => r.id)).toEqual(['kept']);
    reader.close();
    expect(existsSync(`${path}-journal`)).toBe(false);
  });
});
