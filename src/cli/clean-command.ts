import { resolve } from 'node:path';
import { storePathOf } from '../config/store-location.js';
import { loadConfig } from '../config/load-config.js';
import { DifyConsoleClient } from '../dify/console-client.js';
import { DifyError } from '../dify/dify-error.js';
import { RunStore } from '../store/run-store.js';

/**
 * `dify-autoopt runs clean <run-id> -c config`: deletes the sandbox copies a run left in the
 * console (an interrupted or crashed run keeps them to resume), logging in with the
 * configuration's `dify` section; each one deleted (or already gone) is marked in the store.
 * Returns how many could not be deleted.
 */
export async function cleanCommand(
  options: { readonly config: string; readonly runId: string; readonly store?: string | undefined },
  signal: AbortSignal,
  out: (line: string) => void,
): Promise<number> {
  const loaded = await loadConfig(options.config);
  const { dify } = loaded.config;
  const store = RunStore.open(
    options.store === undefined ? storePathOf(loaded) : resolve(options.store),
  );
  try {
    if (store.getRun(options.runId) === undefined) {
      out(`no run ${options.runId} in ${store.path}`);
      return 1;
    }
    const left = store.sandboxes(options.runId).filter((s) => s.deletedAt === null);
    if (left.length === 0) {
      out(`run ${options.runId} left no sandbox in the console`);
      return 0;
    }
    if (dify.base_url === 'simulator') {
      // The built-in simulator ended with the run that made them: nothing is left anywhere.
      for (const sandbox of left) store.markSandboxDeleted(options.runId, sandbox.workflowId);
      out(`the built-in simulator's sandboxes ended with their run; marked deleted`);
      return 0;
    }
    const console = new DifyConsoleClient({ baseUrl: dify.base_url });
    await console.login({ email: dify.email ?? '', password: dify.password ?? '' }, { signal });
    let failed = 0;
    for (const sandbox of left) {
      try {
        await console.deleteApp(sandbox.appId, { signal });
        out(`deleted sandbox app ${sandbox.appId} (${sandbox.name})`);
      } catch (error) {
        if (!(error instanceof DifyError && error.status === 404)) {
          failed += 1;
          out(`could not delete sandbox app ${sandbox.appId}: ${(error as Error).message}`);
          continue;
        }
        out(`sandbox app ${sandbox.appId} was already gone`);
      }
      store.markSandboxDeleted(options.runId, sandbox.workflowId);
    }
    return failed;
  } finally {
    store.close();
  }
}
