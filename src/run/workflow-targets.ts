import { ConfigError } from '../config/config-error.js';
import type { WorkflowConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { DifyConsoleClient } from '../dify/console-client.js';
import { DifyClient } from '../dify/dify-client.js';
import { DifyError } from '../dify/dify-error.js';
import type { Fetch } from '../dify/dify-http.js';
import { DslDocument } from '../dify/dsl-document.js';
import { patchPrompts, promptSlots } from '../dify/prompt-slots.js';
import type { RunStore } from '../store/run-store.js';
import { publishedAppTarget, type CaseTarget } from './case-target.js';
import { debugTarget, draftRunTarget } from './console-targets.js';
import type { PlannedCase } from './planned-case.js';
import { Sandbox } from './sandbox.js';
import { hasFileInputs, uploadFiles } from './upload-files.js';
import { checkVariants, variantPrompts } from './variant-prompts.js';

/** Where a workflow's cases go: the published app, or each variant's target. */
export interface WorkflowTargets {
  /** A variant's target (undefined: the published app), made ready: a sandbox synced to it. */
  use(variant: string | undefined, signal: AbortSignal): Promise<CaseTarget>;
  /** The sandbox copy the variants run on, if there is one. */
  readonly sandbox: Sandbox | undefined;
}

/** What building a workflow's targets needs. */
export interface TargetsContext {
  readonly loaded: LoadedConfig;
  readonly store: RunStore;
  readonly runId: string;
  /** Dify's `user` of the run. */
  readonly user: string;
  readonly apiBase: string;
  readonly fetch?: Fetch | undefined;
  /** The console, logged in (once per run, when a workflow first needs it). */
  readonly console: () => Promise<DifyConsoleClient>;
  readonly signal: AbortSignal;
}

function problem(loaded: LoadedConfig, path: (string | number)[], message: string): ConfigError {
  const at = loaded.locate?.(path);
  return new ConfigError([
    { path: path.join('.'), file: loaded.file, line: at?.line, column: at?.column, message },
  ]);
}

/** A workflow's app as its variants need it: exported, its variants' prompts read and checked. */
export interface VariantApp {
  readonly appId: string;
  readonly source: DslDocument;
  readonly console: DifyConsoleClient;
  readonly variants: readonly {
    readonly name: string;
    readonly prompts: Readonly<Record<string, string>>;
  }[];
}

/**
 * Exports a workflow's app through the console (only read) and checks every variant against its
 * prompts, before anything runs or is stored.
 * @throws ConfigError for a variant naming a prompt the app lacks or dropping a reference, an app
 * the console does not have, an app with nothing to vary, or file inputs; DifyError (a refused
 * login, …).
 */
export async function inspectVariants(
  workflow: WorkflowConfig,
  index: number,
  cases: Iterable<PlannedCase>,
  context: Pick<TargetsContext, 'loaded' | 'console' | 'signal'>,
): Promise<VariantApp> {
  const { loaded, signal } = context;
  if (hasFileInputs(cases))
    throw problem(loaded, ['workflows', index, 'variants'], 'variants cannot run file inputs yet');
  // The built-in simulator names its apps after the workflows.
  const appId = workflow.app_id ?? workflow.id;
  const console = await context.console();
  let source: DslDocument;
  try {
    source = DslDocument.parse(await console.exportDsl(appId, { signal }), `app ${appId}`);
  } catch (error) {
    if (error instanceof DifyError && error.status === 404)
      throw problem(loaded, ['workflows', index, 'app_id'], `the console has no app ${appId}`);
    throw error;
  }
  const slots = promptSlots(source);
  if (slots.length === 0)
    throw problem(loaded, ['workflows', index, 'app_id'], `app ${appId} has no prompt to vary`);
  const variants = await Promise.all(
    (workflow.variants ?? []).map(async (variant, v) => ({
      name: variant.name,
      prompts: await variantPrompts(loaded, index, v, variant),
    })),
  );
  checkVariants(loaded, index, appId, slots, variants);
  return { appId, source, console, variants };
}

/**
 * A workflow's published app through the public API: its mode asked of Dify when the
 * configuration says `auto`, the cases' file inputs uploaded once.
 * @throws DifyError
 */
export async function publishedWorkflowTarget(
  workflow: WorkflowConfig,
  cases: Iterable<PlannedCase>,
  context: Pick<TargetsContext, 'apiBase' | 'fetch' | 'user' | 'signal'>,
): Promise<CaseTarget> {
  const { signal } = context;
  const client = new DifyClient({
    apiBase: context.apiBase,
    apiKey: workflow.api_key,
    app: workflow.id,
    ...(context.fetch === undefined ? {} : { fetch: context.fetch }),
  });
  const mode = workflow.mode === 'auto' ? (await client.info({ signal })).mode : workflow.mode;
  const files = await uploadFiles(client, cases, context.user, signal);
  return publishedAppTarget(client, {
    label: `app ${workflow.id}`,
    mode,
    responseMode: workflow.response_mode,
    files,
  });
}

/**
 * The targets of one workflow. Without variants: its published app, through the public API,
 * file inputs uploaded once. With variants: its app is exported once through the console (only
 * read), every variant checked against its prompts, and each variant run on a sandbox copy's
 * draft (workflow, chatflow) or as a debug model config (chat, completion).
 * @throws ConfigError for a variant naming a prompt the app lacks or dropping a reference, an app
 * the console does not have, or an app with nothing to vary; DifyError, SandboxError.
 */
export async function workflowTargets(
  workflow: WorkflowConfig,
  index: number,
  cases: Iterable<PlannedCase>,
  context: TargetsContext,
  inspected?: VariantApp,
): Promise<WorkflowTargets> {
  const { signal } = context;
  if (workflow.variants === undefined) {
    const target = await publishedWorkflowTarget(workflow, cases, context);
    return { use: () => Promise.resolve(target), sandbox: undefined };
  }
  const app = inspected ?? (await inspectVariants(workflow, index, cases, context));
  const { source, appId, console } = app;
  const promptsOf = (name: string | undefined): Readonly<Record<string, string>> =>
    app.variants.find((v) => v.name === name)?.prompts ?? {};
  const mode = source.mode;
  if (mode === 'workflow' || mode === 'advanced-chat') {
    const sandbox = await Sandbox.open({
      console,
      store: context.store,
      runId: context.runId,
      workflowId: workflow.id,
      sourceAppId: appId,
      source,
      signal,
    });
    // The variant the sandbox's draft holds now (its copy starts as the app is: none).
    let current: string | undefined;
    return {
      sandbox,
      use: async (variant, useSignal) => {
        const label = `variant ${variant ?? '(none)'} of ${workflow.id} on sandbox app ${sandbox.appId}`;
        if (current !== variant) {
          await sandbox.useVariant(variant ?? '(none)', promptsOf(variant), { signal: useSignal });
          current = variant;
        }
        return draftRunTarget(console, sandbox.appId, mode, label, {
          gone: `sandbox app ${sandbox.appId} of workflow ${workflow.id} was deleted during the run`,
        });
      },
    };
  }
  const kind = mode === 'completion' ? 'completion' : 'chat';
  return {
    sandbox: undefined,
    use: (variant) => {
      const patched = source.clone();
      patchPrompts(patched, promptsOf(variant));
      return Promise.resolve(
        debugTarget(
          console,
          appId,
          kind,
          patched.modelConfig ?? {},
          `variant ${variant ?? '(none)'} of ${workflow.id} on app ${appId} (debug)`,
        ),
      );
    },
  };
}
