import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aCase, aResult } from '../../test/support/records.js';
import { RunStore } from '../store/run-store.js';
import { memorySink, storeSink, teeSink } from './result-sink.js';

const record = (caseId: string) => aResult(caseId);

function openStore(): RunStore {
  const store = RunStore.open(join(mkdtempSync(join(tmpdir(), 'sink-')), 'runs.db'));
  store.createRun({ id: 'r', configFile: null, config: {}, toolVersion: 't' });
  store.addCases(
    'r',
    ['a', 'b', 'c'].map((caseId, position) => aCase(caseId, { position, caseIndex: position + 1 })),
  );
  return store;
}

describe('storeSink', () => {
  it('commits the results of one event-loop turn together at its end, then hands each on', async () => {
    const store = openStore();
    const committed: string[] = [];
    const sink = storeSink(store, 'r', {
      onCommit: (r) => committed.push(r.caseId),
      onFailure: () => undefined,
    });
    sink.write(record('a'));
    sink.write(record('b'));
    expect([...store.results('r')]).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect([...store.results('r')].map((r) => r.caseId)).toEqual(['a', 'b']);
    expect(committed).toEqual(['a', 'b']);
    sink.write(record('c'));
    sink.flush();
    expect(committed).toEqual(['a', 'b', 'c']);
    store.close();
  });

  it('reports a store that refuses a write once, and writes nothing after it', async () => {
    const store = openStore();
    const failures: Error[] = [];
    const committed: string[] = [];
    const sink = storeSink(store, 'r', {
      onCommit: (r) => committed.push(r.caseId),
      onFailure: (e) => failures.push(e),
    });
    store.close();
    sink.write(record('a'));
    sink.flush();
    sink.write(record('b'));
    sink.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toHaveLength(1);
    expect(committed).toEqual([]);
  });
});

describe('memorySink and teeSink', () => {
  it('keeps every record in order, and a tee gives each sink every record', () => {
    const first = memorySink();
    const second = memorySink();
    const tee = teeSink(first, second);
    tee.write(record('a'));
    tee.write(record('b'));
    tee.flush();
    expect(first.records.map((r) => r.caseId)).toEqual(['a', 'b']);
    expect(second.records.map((r) => r.caseId)).toEqual(['a', 'b']);
  });
});
