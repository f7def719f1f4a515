import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import type { LoadedConfig } from '../config/load-config.js';
import { aResult } from '../../test/support/records.js';
import { RunStore, type ResultRecord } from '../store/run-store.js';
import { caseList } from './case-list.js';
import { newRunId, openRun } from './open-run.js';
import { finishRun } from './summarize-run.js';

const loaded: LoadedConfig = {
  config: parseConfig(
    'dify: {base_url: http://x}\nworkflows:\n  - {id: wf, api_key: app-secret-key}\n',
    '/c.yaml',
    {},
  ),
  file: '/c.yaml',
  dir: '/',
};

function groups() {
  const bases = [1, 2, 3].map((index) => ({
    stem: `wf:${String(index)}`,
    index,
    inputs: { q: index },
    query: undefined,
    reference: null,
  }));
  return [caseList(bases, { repeat: 1, workflowId: 'wf', variant: 'v', firstPosition: 0 })];
}

function result(caseId: string, status: string, extra: Partial<ResultRecord> = {}): ResultRecord {
  return aResult(caseId, {
    variant: 'v',
    status,
    difyStatus: status === 'succeeded' ? 'succeeded' : null,
    tokens: 4,
    cost: 0.5,
    passed: status === 'succeeded',
    ...extra,
  });
}

const now = new Date('2026-12-04T10:11:12Z');
const store = (): RunStore => RunStore.open(join(mkdtempSync(join(tmpdir(), 'open-run-')), 'r.db'));

describe('openRun', () => {
  it('creates a run without its secrets, with every case and a start event, all pending', () => {
    const s = store();
    const opened = openRun(s, loaded, groups(), { kind: 'new', toolVersion: '9.9' }, { now });
    expect(opened.runId).toMatch(/^20261204-101112-[0-9a-f]{4}$/);
    expect(opened.total).toBe(3);
    expect([...(opened.pending[0] ?? [])].map((c) => c.caseId)).toEqual(['wf:1', 'wf:2', 'wf:3']);
    const run = s.getRun(opened.runId);
    expect(run).toMatchObject({ status: 'running', toolVersion: '9.9', configFile: '/c.yaml' });
    expect(JSON.stringify(run?.config)).not.toContain('app-secret-key');
    expect(s.cases(opened.runId).map((c) => [c.caseId, c.position, c.variant])).toEqual([
      ['wf:1', 0, 'v'],
      ['wf:2', 1, 'v'],
      ['wf:3', 2, 'v'],
    ]);
    s.close();
  });

  it('on resume runs what did not end; on retry-errors only what failed, timed out or errored', () => {
    const s = store();
    const { runId } = openRun(s, loaded, groups(), { kind: 'new', toolVersion: '1' }, { now });
    s.saveResults(runId, [
      result('wf:1', 'succeeded'),
      result('wf:2', 'failed'),
      result('wf:3', 'cancelled'),
    ]);
    const resumed = openRun(s, loaded, groups(), { kind: 'resume', runId }, { now });
    expect(resumed.runId).toBe(runId);
    expect([...(resumed.pending[0] ?? [])].map((c) => c.caseId)).toEqual(['wf:3']);
    expect(resumed.total).toBe(1);
    const retried = openRun(s, loaded, groups(), { kind: 'retry-errors', runId }, { now });
    expect([...(retried.pending[0] ?? [])].map((c) => c.caseId)).toEqual(['wf:2']);
    expect(s.getRun(runId)?.status).toBe('running');
    expect(s.cases(runId)).toHaveLength(3);
    s.close();
  });

  it('refuses to continue a run the store does not have', () => {
    const s = store();
    expect(() => openRun(s, loaded, groups(), { kind: 'resume', runId: 'nope' }, { now })).toThrow(
      expect.objectContaining({ code: 'E_RUN_NOT_FOUND' }) as Error,
    );
    s.close();
  });

  it('makes run ids that sort by time and differ', () => {
    expect(newRunId(now)).toMatch(/^20261204-101112-[0-9a-f]{4}$/);
    expect(new Set(Array.from({ length: 20 }, () => newRunId(now))).size).toBeGreaterThan(1);
  });
});

describe('finishRun', () => {
  it('sums the run from the store, marks it ended with its reason and statistics, lists sandboxes left', () => {
    const s = store();
    const { runId } = openRun(s, loaded, groups(), { kind: 'new', toolVersion: '1' }, { now });
    s.saveResults(runId, [
      result('wf:1', 'succeeded'),
      result('wf:2', 'failed', { passed: false }),
      result('wf:3', 'cancelled', { passed: null, tokens: null, cost: null }),
    ]);
    s.recordSandbox({
      runId,
      workflowId: 'wf',
      sourceAppId: 'app',
      appId: 'copy',
      name: 'n [dify-autoopt 1]',
    });
    const summary = finishRun(
      s,
      runId,
      { status: 'stopped', reason: 'quota' },
      { wallMs: 42, judge: undefined },
    );
    expect(summary).toEqual({
      runId,
      status: 'stopped',
      reason: 'quota',
      total: 3,
      byStatus: { succeeded: 1, failed: 1, cancelled: 1 },
      passed: 1,
      passRate: 0.5,
      perWorkflow: { wf: { total: 3, passed: 1 } },
      totalTokens: 8,
      totalCost: 1,
      wallMs: 42,
      judge: undefined,
      sandboxes: [{ appId: 'copy', name: 'n [dify-autoopt 1]' }],
    });
    expect(s.getRun(runId)).toMatchObject({ status: 'stopped', statusReason: 'quota' });
    expect(s.getRun(runId)?.statistics).toMatchObject({ passRate: 0.5, totalTokens: 8 });
    s.markSandboxDeleted(runId, 'wf');
    const again = finishRun(
      s,
      runId,
      { status: 'finished', reason: undefined },
      { wallMs: 1, judge: undefined },
    );
    expect(again.sandboxes).toEqual([]);
    expect(s.getRun(runId)).toMatchObject({ status: 'finished', statusReason: null });
    s.close();
  });

  it('has a pass rate of 0, not NaN, when nothing ended', () => {
    const s = store();
    const { runId } = openRun(s, loaded, groups(), { kind: 'new', toolVersion: '1' }, { now });
    const summary = finishRun(
      s,
      runId,
      { status: 'interrupted', reason: 'interrupted by the user' },
      { wallMs: 0, judge: undefined },
    );
    expect(summary).toMatchObject({
      passRate: 0,
      passed: 0,
      total: 3,
      perWorkflow: {},
      totalTokens: 0,
      totalCost: 0,
    });
    s.close();
  });
});
