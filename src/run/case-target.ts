import type { DifyClient, ResponseMode } from '../dify/dify-client.js';
import type { DifyRunResult } from '../dify/dify-run-result.js';
import type { PlannedCase } from './planned-case.js';
import { inputsWithFiles, type UploadedFiles } from './upload-files.js';

/** Where one case is sent: the published app, a sandbox's draft, or a debug model config. */
export interface CaseTarget {
  /** For messages: which app, which variant. */
  readonly label: string;
  /** A failure of this target that must stop the whole run: its reason (else undefined). */
  readonly stopReason?: (error: unknown) => string | undefined;
  /** Runs the case once; a run Dify reports failed is a result, not an error. */
  run(
    c: PlannedCase,
    options: { readonly user: string; readonly signal: AbortSignal },
  ): Promise<DifyRunResult>;
}

/** The published app, through the public API (each mode by its route). */
export function publishedAppTarget(
  client: DifyClient,
  options: {
    readonly label: string;
    readonly mode: string;
    readonly responseMode: ResponseMode;
    readonly files: UploadedFiles;
  },
): CaseTarget {
  const { mode, responseMode, files } = options;
  return {
    label: options.label,
    run: (c, { user, signal }) => {
      const inputs = inputsWithFiles(c.inputs, files);
      const request = { user, responseMode, signal };
      if (mode === 'workflow') return client.runWorkflow({ ...request, inputs }, { signal });
      if (mode === 'completion')
        return client.sendCompletionMessage({ ...request, inputs }, { signal });
      return client.sendChatMessage({ ...request, inputs, query: c.query ?? '' }, { signal });
    },
  };
}
