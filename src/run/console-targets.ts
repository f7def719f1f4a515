import type { DifyConsoleClient } from '../dify/console-client.js';
import { DifyError } from '../dify/dify-error.js';
import type { Json } from '../dify/dify-http.js';
import type { CaseTarget } from './case-target.js';

/** A sandbox's draft, run through the console's draft-run endpoint (workflow or chatflow). */
export function draftRunTarget(
  console: DifyConsoleClient,
  appId: string,
  kind: 'workflow' | 'advanced-chat',
  label: string,
  reasons: { readonly gone: string },
): CaseTarget {
  return {
    label,
    // A sandbox deleted under the run: every case after would fail the same way.
    stopReason: (error) =>
      error instanceof DifyError && error.status === 404 ? reasons.gone : undefined,
    run: (c, { signal }) =>
      console.runDraft(
        appId,
        kind,
        { inputs: c.inputs, ...(c.query === undefined ? {} : { query: c.query }) },
        { signal },
      ),
  };
}

/** A chat or completion app run with `modelConfig` (a candidate pre-prompt), nothing saved. */
export function debugTarget(
  console: DifyConsoleClient,
  appId: string,
  kind: 'chat' | 'completion',
  modelConfig: Json,
  label: string,
): CaseTarget {
  return {
    label,
    run: (c, { signal }) =>
      console.runDebug(
        appId,
        kind,
        { inputs: c.inputs, modelConfig, ...(c.query === undefined ? {} : { query: c.query }) },
        { signal },
      ),
  };
}
