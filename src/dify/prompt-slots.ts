import { AutoOptError } from '../core/autoopt-error.js';
import type { DslDocument } from './dsl-document.js';

/** Which text of a node a prompt address names. */
export type PromptField = 'system' | 'user' | 'assistant' | 'text' | 'instruction' | 'pre_prompt';

/** One prompt an app can be given: its address, where it sits, its text and its references. */
export interface PromptSlot {
  /** `<node id>.<field>`, or `pre_prompt` for a chat or completion app. */
  readonly address: string;
  readonly nodeId: string | undefined;
  readonly nodeType: string;
  readonly title: string;
  readonly field: PromptField;
  /** The text's path in the DSL. */
  readonly path: readonly (string | number)[];
  readonly text: string;
  /** Every variable reference of the text, in order of first use, each once. */
  readonly references: readonly string[];
}

// `{{#node.var#}}` in workflows; a chat or completion app's pre-prompt names inputs `{{var}}`.
const NODE_REFERENCE = /\{\{#[^#{}]+#\}\}/g;
const INPUT_REFERENCE = /\{\{\s*[A-Za-z_]\w*\s*\}\}/g;

/** The variable references of a prompt text, each once, in order of first use. */
export function referencesIn(text: string, field: PromptField): string[] {
  const found = [...text.matchAll(NODE_REFERENCE)].map((m) => m[0]);
  if (field === 'pre_prompt') found.push(...[...text.matchAll(INPUT_REFERENCE)].map((m) => m[0]));
  return [...new Set(found)];
}

/**
 * Every prompt of an app by its address: `<node>.system`, `.user`, `.assistant` (the first
 * message of that role of an LLM's chat template), `<node>.text` (a completion template),
 * `<node>.instruction` (question classifier, parameter extractor), `pre_prompt` (chat and
 * completion apps).
 */
export function promptSlots(dsl: DslDocument): PromptSlot[] {
  const slots = new Map<string, PromptSlot>();
  for (const prompt of dsl.prompts()) {
    const field: PromptField =
      prompt.nodeType === 'llm'
        ? ((prompt.role as PromptField | undefined) ?? 'text')
        : 'instruction';
    if (!['system', 'user', 'assistant', 'text', 'instruction'].includes(field)) continue;
    const address = `${prompt.nodeId}.${field}`;
    // The first message of a role is the one its address names.
    if (slots.has(address)) continue;
    slots.set(address, {
      address,
      nodeId: prompt.nodeId,
      nodeType: prompt.nodeType,
      title: prompt.title,
      field,
      path: prompt.path,
      text: prompt.text,
      references: referencesIn(prompt.text, field),
    });
  }
  const prePrompt = dsl.prePrompt;
  if (prePrompt !== undefined) {
    slots.set('pre_prompt', {
      address: 'pre_prompt',
      nodeId: undefined,
      nodeType: dsl.mode,
      title: dsl.name,
      field: 'pre_prompt',
      path: ['model_config', 'pre_prompt'],
      text: prePrompt,
      references: referencesIn(prePrompt, 'pre_prompt'),
    });
  }
  return [...slots.values()];
}

/** What is wrong with one entry of a prompt patch. */
export interface PromptPatchProblem {
  readonly address: string;
  readonly kind: 'unknown' | 'references';
  /** References of the original the new text lacks. */
  readonly missing: readonly string[];
  /** References of the new text the original lacks. */
  readonly added: readonly string[];
  readonly message: string;
}

/** A prompt patch that names no prompt of the app, or changes its references. */
export class PromptPatchError extends AutoOptError {
  readonly problems: readonly PromptPatchProblem[];

  constructor(problems: readonly PromptPatchProblem[]) {
    const first = problems[0];
    super(
      first?.kind === 'unknown' ? 'E_PROMPT_UNKNOWN' : 'E_PROMPT_REFERENCES',
      problems.map((p) => `${p.address}: ${p.message}`).join('; '),
    );
    this.problems = problems;
  }
}

/** How a new text's references differ from the original's, in words; undefined when equal. */
export function referenceDifference(
  original: readonly string[],
  text: string,
  field: PromptField,
): { readonly missing: string[]; readonly added: string[]; readonly message: string } | undefined {
  const now = referencesIn(text, field);
  const missing = original.filter((r) => !now.includes(r));
  const added = now.filter((r) => !original.includes(r));
  if (missing.length === 0 && added.length === 0) return undefined;
  const parts = [
    ...(missing.length === 0 ? [] : [`drops ${missing.join(', ')}`]),
    ...(added.length === 0 ? [] : [`adds ${added.join(', ')}`]),
  ];
  return {
    missing,
    added,
    message: `the new text ${parts.join(' and ')}; keep every reference of the original exactly`,
  };
}

/** Every problem of a patch against an app's prompts; empty when it can be applied. */
export function checkPromptPatch(
  slots: readonly PromptSlot[],
  patch: Readonly<Record<string, string>>,
): PromptPatchProblem[] {
  const byAddress = new Map(slots.map((slot) => [slot.address, slot]));
  const problems: PromptPatchProblem[] = [];
  for (const [address, text] of Object.entries(patch)) {
    const slot = byAddress.get(address);
    if (slot === undefined) {
      const known = slots.map((s) => s.address).join(', ');
      problems.push({
        address,
        kind: 'unknown',
        missing: [],
        added: [],
        message: `the app has no prompt ${address}; it has ${known === '' ? 'none' : known}`,
      });
      continue;
    }
    const difference = referenceDifference(slot.references, text, slot.field);
    if (difference !== undefined) problems.push({ address, kind: 'references', ...difference });
  }
  return problems;
}

/**
 * Applies a patch (address → new text) to a DSL, after checking all of it: every other key and
 * every other text stay as they were.
 * @throws PromptPatchError (`E_PROMPT_UNKNOWN`, `E_PROMPT_REFERENCES`) naming each problem;
 * nothing is changed then.
 */
export function patchPrompts(dsl: DslDocument, patch: Readonly<Record<string, string>>): void {
  const slots = promptSlots(dsl);
  const problems = checkPromptPatch(slots, patch);
  if (problems.length > 0) throw new PromptPatchError(problems);
  for (const slot of slots) {
    const text = patch[slot.address];
    if (text !== undefined) dsl.setPrompt(slot.path, text);
  }
}
