// The library runs a configuration on the built-in simulator as the CLI does (#17 item 7):
// `dify.base_url: simulator` through `runSuite`, from the package's own entry point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, RunStore, runSuite } from '../src/index.js';

let dir: string | undefined;

/**
 * Servers listening in this process: the simulator a run started must be gone when it ends. A
 * closed server's handle is released on a later turn of the event loop, so a few turns first.
 */
async function listening(): Promise<number> {
  for (let turn = 0; turn < 10; turn += 1)
    await new Promise<void>((resolveTurn) => setImmediate(resolveTurn));
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
}
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('runSuite on the built-in simulator', () => {
  it('runs every case of the quickstart and stores each result, with no Dify', async () => {
    dir = mkdtempSync(join(tmpdir(), 'library-'));
    const loaded = await loadConfig('examples/quickstart.yaml');
    const store = RunStore.open(join(dir, 'runs.db'));
    const before = await listening();
    try {
      const summary = await runSuite({ loaded, store, toolVersion: 'library-test' });
      expect(await listening()).toBe(before);
      expect(summary.status).toBe('finished');
      expect(summary.total).toBe(39);
      expect(summary.byStatus['succeeded']).toBe(39);
      expect([...store.results(summary.runId)]).toHaveLength(39);
      // The run's results came from the simulator's apps: each workflow answered its own cases.
      expect(summary.perWorkflow['translate']?.total).toBe(30);
      expect(summary.perWorkflow['assistant']?.total).toBe(9);
    } finally {
      store.close();
    }
  });

  it('stops the simulator it started when the run is aborted before it ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'library-'));
    const loaded = await loadConfig('examples/quickstart.yaml');
    const store = RunStore.open(join(dir, 'runs.db'));
    const controller = new AbortController();
    controller.abort(new Error('stopped by the caller'));
    const before = await listening();
    try {
      const summary = await runSuite({
        loaded,
        store,
        toolVersion: 'library-test',
        signal: controller.signal,
      });
      expect(summary.byStatus['succeeded'] ?? 0).toBe(0);
      expect(summary.status).toBe('interrupted');
      expect(await listening()).toBe(before);
    } finally {
      store.close();
    }
  });
});
