import { randomBytes } from 'node:crypto';
import { AutoOptError } from '../core/autoopt-error.js';
import { asObject } from '../core/json-value.js';
import type { DifyConsoleClient, WorkflowDraft } from '../dify/console-client.js';
import { DifyError } from '../dify/dify-error.js';
import type { DslDocument } from '../dify/dsl-document.js';
import { patchPrompts } from '../dify/prompt-slots.js';
import type { RunStore } from '../store/run-store.js';

/** A sandbox that cannot be made, synced or deleted: which app, which variant, what Dify said. */
export class SandboxError extends AutoOptError {
  readonly appId: string;

  constructor(
    code: 'E_SANDBOX_IMPORT' | 'E_SANDBOX_CONFLICT' | 'E_SANDBOX_GONE' | 'E_SANDBOX_SYNC',
    message: string,
    appId: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.appId = appId;
  }
}

/** The command that deletes the sandboxes a run left behind (it logs in with the config's). */
export function cleanCommandLine(runId: string, configFile: string): string {
  return `dify-autoopt runs clean ${runId} -c ${configFile}`;
}

/**
 * A copy of a workflow or chatflow app in the console, where prompt variants run: imported once
 * per run (named `<app> [dify-autoopt <id>]`), its draft synced to each variant (the draft's hash
 * checked on every sync), deleted at the end. It is recorded in the run store, so a resumed run
 * reuses it and a crashed one leaves a record `runs clean` deletes. The user's app is only read.
 */
export class Sandbox {
  readonly appId: string;
  readonly name: string;
  readonly #console: DifyConsoleClient;
  readonly #source: DslDocument;
  readonly #store: RunStore;
  readonly #runId: string;
  readonly #workflowId: string;
  #draft: WorkflowDraft;

  private constructor(fields: {
    readonly appId: string;
    readonly name: string;
    readonly console: DifyConsoleClient;
    readonly source: DslDocument;
    readonly store: RunStore;
    readonly runId: string;
    readonly workflowId: string;
    readonly draft: WorkflowDraft;
  }) {
    this.appId = fields.appId;
    this.name = fields.name;
    this.#console = fields.console;
    this.#source = fields.source;
    this.#store = fields.store;
    this.#runId = fields.runId;
    this.#workflowId = fields.workflowId;
    this.#draft = fields.draft;
  }

  /**
   * The run's sandbox of a workflow's app: the one it recorded, when it still exists (a resumed
   * run), else a new copy of `source` (the app's exported DSL).
   * @throws SandboxError (`E_SANDBOX_IMPORT`) when Dify does not take the copy; DifyError for
   * the console's other failures.
   */
  static async open(options: {
    readonly console: DifyConsoleClient;
    readonly store: RunStore;
    readonly runId: string;
    readonly workflowId: string;
    readonly sourceAppId: string;
    readonly source: DslDocument;
    readonly signal?: AbortSignal | undefined;
  }): Promise<Sandbox> {
    const { console, store, runId, workflowId, source, signal } = options;
    const fields = { console, source, store, runId, workflowId };
    const recorded = store
      .sandboxes(runId)
      .find((s) => s.workflowId === workflowId && s.deletedAt === null);
    if (recorded !== undefined) {
      try {
        const draft = await console.getDraft(recorded.appId, { signal });
        return new Sandbox({ ...fields, appId: recorded.appId, name: recorded.name, draft });
      } catch (error) {
        // Deleted since: a new copy takes its place.
        if (!(error instanceof DifyError && error.status === 404)) throw error;
        store.markSandboxDeleted(runId, workflowId);
      }
    }
    const copy = source.clone();
    const name = `${source.name} [dify-autoopt ${randomBytes(3).toString('hex')}]`;
    copy.setName(name);
    const imported = await console.importDsl(
      { yaml: copy.toString() },
      { signal, confirmPending: true },
    );
    if (imported.appId === undefined || !imported.status.startsWith('completed')) {
      throw new SandboxError(
        'E_SANDBOX_IMPORT',
        `Dify did not import a copy of app ${options.sourceAppId} (workflow ${workflowId}): ${imported.status}${imported.error === undefined ? '' : `, ${imported.error}`}`,
        options.sourceAppId,
      );
    }
    store.recordSandbox({
      runId,
      workflowId,
      sourceAppId: options.sourceAppId,
      appId: imported.appId,
      name,
    });
    const draft = await console.getDraft(imported.appId, { signal });
    return new Sandbox({ ...fields, appId: imported.appId, name, draft });
  }

  /**
   * Syncs the sandbox's draft to the app's own prompts with `prompts` patched in (none: the app
   * as exported), checked by the hash of the draft this sandbox last saw.
   * @throws SandboxError (`E_SANDBOX_CONFLICT` when someone else edited the sandbox,
   * `E_SANDBOX_GONE` when it was deleted), PromptPatchError for a patch the app cannot take.
   */
  async useVariant(
    variant: string,
    prompts: Readonly<Record<string, string>>,
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const patched = this.#source.clone();
    patchPrompts(patched, prompts);
    const workflow = asObject(patched.toJSON().workflow) ?? {};
    const draft = {
      graph: asObject(workflow.graph) ?? this.#draft.graph,
      features: asObject(workflow.features) ?? this.#draft.features,
      hash: this.#draft.hash,
      environmentVariables: this.#draft.environmentVariables,
      conversationVariables: this.#draft.conversationVariables,
    };
    try {
      const saved = await this.#console.syncDraft(this.appId, draft, options);
      this.#draft = { ...this.#draft, ...draft, hash: saved.hash };
    } catch (error) {
      throw this.#explain(error, `syncing variant ${variant}`);
    }
  }

  /** Deletes the copy (one already gone counts as deleted) and records it. */
  async delete(options: { readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    try {
      await this.#console.deleteApp(this.appId, options);
    } catch (error) {
      if (!(error instanceof DifyError && error.status === 404)) throw error;
    }
    this.#store.markSandboxDeleted(this.#runId, this.#workflowId);
  }

  /** Dify's failure, said in terms of this sandbox. */
  #explain(error: unknown, doing: string): unknown {
    if (!(error instanceof DifyError)) return error;
    const where = `sandbox app ${this.appId} (${this.name}) of workflow ${this.#workflowId}`;
    if (error.code === 'E_DIFY_DRAFT_CONFLICT')
      return new SandboxError(
        'E_SANDBOX_CONFLICT',
        `${doing}: the draft of ${where} was changed by someone else since this run synced it; nothing was overwritten`,
        this.appId,
        { cause: error },
      );
    if (error.status === 404)
      return new SandboxError(
        'E_SANDBOX_GONE',
        `${doing}: ${where} was deleted during the run`,
        this.appId,
        { cause: error },
      );
    return new SandboxError(
      'E_SANDBOX_SYNC',
      `${doing} on ${where}: ${error.message}`,
      this.appId,
      {
        cause: error,
      },
    );
  }
}
