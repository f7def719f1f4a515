import { isAbsolute, resolve } from 'node:path';
import { ConfigError, readConfigText, type ConfigProblem } from '../config/config-error.js';
import type { VariantConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { checkPromptPatch, type PromptSlot } from '../dify/prompt-slots.js';

/** A variant's prompts as texts: `{file}` entries read, relative to the configuration. */
export async function variantPrompts(
  loaded: LoadedConfig,
  workflowIndex: number,
  variantIndex: number,
  variant: VariantConfig,
): Promise<Record<string, string>> {
  const prompts: Record<string, string> = {};
  for (const [address, text] of Object.entries(variant.prompts)) {
    if (typeof text === 'string') {
      prompts[address] = text;
      continue;
    }
    const file = isAbsolute(text.file) ? text.file : resolve(loaded.dir, text.file);
    prompts[address] = await readConfigText(
      file,
      `workflows.${workflowIndex}.variants.${variantIndex}.prompts.${address}.file`,
      `the prompt file of variant ${variant.name}`,
    );
  }
  return prompts;
}

/**
 * Checks every variant of a workflow against its app's prompts, all at once.
 * @throws ConfigError (`E_CONFIG_INVALID`) with each prompt a variant names that the app lacks
 * (listing those it has) or whose text drops or alters a reference, at its line and column.
 */
export function checkVariants(
  loaded: LoadedConfig,
  workflowIndex: number,
  appId: string,
  slots: readonly PromptSlot[],
  variants: readonly {
    readonly name: string;
    readonly prompts: Readonly<Record<string, string>>;
  }[],
): void {
  const problems: ConfigProblem[] = [];
  variants.forEach((variant, v) => {
    for (const problem of checkPromptPatch(slots, variant.prompts)) {
      const path = ['workflows', workflowIndex, 'variants', v, 'prompts', problem.address];
      const at = loaded.locate?.(path);
      problems.push({
        path: path.join('.'),
        file: loaded.file,
        line: at?.line,
        column: at?.column,
        message: `variant ${variant.name}, app ${appId}: ${problem.message}`,
      });
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
