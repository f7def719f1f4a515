import { createHash } from 'node:crypto';
import { asObject } from '../core/json-value.js';
import { patchPrompts } from '../dify/prompt-slots.js';
import { appliedPrompts } from './optimization-outputs.js';
import type { OptimizationOutcome } from './optimize.js';
import { OptimizeError } from './optimize-error.js';

/**
 * Writes an accepted pick into the user's app: only after checking that the app has not changed
 * since the optimization exported it (a workflow's draft hash, a chat app's DSL), else nothing
 * is written and the error says so. A workflow's draft is synced with that hash (Dify checks it
 * too); a chat or completion app is overwritten by import. `publish` then publishes a workflow.
 * @throws OptimizeError (`E_OPTIMIZE_APPLY_CONFLICT`); DifyError.
 */
export async function applyOptimization(
  outcome: OptimizationOutcome,
  options: { readonly publish: boolean; readonly signal?: AbortSignal | undefined },
): Promise<{ readonly applied: boolean; readonly published: boolean }> {
  if (!outcome.accepted) return { applied: false, published: false };
  const { console, appId, source } = outcome;
  const { signal } = options;
  const patched = source.clone();
  patchPrompts(patched, appliedPrompts(outcome));
  const changed = (now: string): OptimizeError =>
    new OptimizeError(
      'E_OPTIMIZE_APPLY_CONFLICT',
      `app ${appId} was edited since the optimization exported it (${outcome.exportedHash.slice(0, 12)} then, ${now.slice(0, 12)} now): nothing was written; run the optimization again on the app as it is`,
    );
  if (source.mode === 'workflow' || source.mode === 'advanced-chat') {
    const draft = await console.getDraft(appId, { signal });
    if (draft.hash !== outcome.exportedHash) throw changed(draft.hash);
    const workflow = asObject(patched.toJSON().workflow) ?? {};
    await console.syncDraft(
      appId,
      {
        graph: asObject(workflow.graph) ?? draft.graph,
        features: asObject(workflow.features) ?? draft.features,
        hash: draft.hash,
        environmentVariables: draft.environmentVariables,
        conversationVariables: draft.conversationVariables,
      },
      { signal },
    );
    if (options.publish)
      await console.publish(appId, { markedName: `dify-autoopt ${outcome.id}` }, { signal });
    return { applied: true, published: options.publish };
  }
  const now = createHash('sha256')
    .update(await console.exportDsl(appId, { signal }))
    .digest('hex');
  if (now !== outcome.exportedHash) throw changed(now);
  await console.importDsl({ yaml: patched.toString(), appId }, { signal, confirmPending: true });
  // A chat or completion app has no draft: what is imported is what it runs.
  return { applied: true, published: options.publish };
}
