import type { DifyConsoleClient } from '../dify/console-client.js';
import type { DslDocument } from '../dify/dsl-document.js';
import { patchPrompts } from '../dify/prompt-slots.js';
import type { CaseTarget } from '../run/case-target.js';
import { debugTarget, draftRunTarget } from '../run/console-targets.js';
import type { Sandbox } from '../run/sandbox.js';

/** Where a candidate's cases run: the sandbox synced to its prompts, or a debug model config. */
export interface CandidateTargets {
  use(
    candidateId: string,
    prompts: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<CaseTarget>;
}

/**
 * The targets of an optimization's candidates: a workflow or chatflow runs each candidate on the
 * sandbox's draft (synced only when the candidate changes, the hash checked each time), a chat or
 * completion app as a debug model config with the candidate's pre-prompt (nothing saved).
 */
export function candidateTargets(options: {
  readonly console: DifyConsoleClient;
  readonly appId: string;
  readonly workflowId: string;
  readonly source: DslDocument;
  readonly sandbox: Sandbox | undefined;
}): CandidateTargets {
  const { console, source, sandbox, workflowId } = options;
  const mode = source.mode;
  let current: string | undefined;
  return {
    use: async (candidateId, prompts, signal) => {
      const label = `candidate ${candidateId} of ${workflowId}`;
      if (sandbox !== undefined && (mode === 'workflow' || mode === 'advanced-chat')) {
        if (current !== candidateId) {
          current = undefined;
          await sandbox.useVariant(candidateId, prompts, { signal });
          current = candidateId;
        }
        return draftRunTarget(
          console,
          sandbox.appId,
          mode,
          `${label} on sandbox app ${sandbox.appId}`,
          {
            gone: `sandbox app ${sandbox.appId} of workflow ${workflowId} was deleted during the optimization`,
          },
        );
      }
      const patched = source.clone();
      patchPrompts(patched, prompts);
      return debugTarget(
        console,
        options.appId,
        mode === 'completion' ? 'completion' : 'chat',
        patched.modelConfig ?? {},
        `${label} on app ${options.appId} (debug)`,
      );
    },
  };
}
