import { asArray, asObject, asText } from '../core/json-value.js';
import type { SimDsl } from './sim-dsl.js';

/** One piece of instruction a kind of case needs, and what it costs the others. */
export interface TaskRule {
  /** The kind of case it helps. */
  readonly kind: string;
  /** The instruction, found in a prompt case-insensitively. */
  readonly instruction: string;
  /** What it adds to the chance a case of its kind is answered right. */
  readonly gain: number;
  /** Kinds it hurts (a conflicting instruction), and by how much. */
  readonly hurts: readonly string[];
  readonly penalty: number;
  /** Only this node's prompt counts (multi-prompt apps); else any prompt of the app. */
  readonly node?: string | undefined;
}

/**
 * An app whose answers depend on its prompts the way a real task's do, for an honest
 * optimization benchmark: each kind of case (the `input` variable) is answered right with a
 * chance that the instructions in the prompts raise (their kind's) or lower (a conflicting one),
 * drawn afresh each run and blurred by `temperature`; only a grader that knows the right answer
 * (`<kind>: resolved`) can tell.
 */
export interface TaskModel {
  readonly input: string;
  /** The chance of a right answer with no relevant instruction. */
  readonly base: number;
  /** How far each answer is drawn towards a coin toss: 0 none, 1 all. */
  readonly temperature: number;
  readonly rules: readonly TaskRule[];
}

/** The text of every prompt of an app, by node id (`pre_prompt` for a chat or completion app). */
export function promptTexts(dsl: SimDsl): Map<string, string> {
  const texts = new Map<string, string>();
  for (const node of dsl.nodes()) {
    if (node.type === 'llm') {
      const template = node.data.prompt_template;
      const parts = Array.isArray(template)
        ? asArray(template).map((m) => asText(asObject(m)?.text, ''))
        : [asText(asObject(template)?.text, '')];
      texts.set(node.id, parts.join('\n'));
    } else if (node.type === 'question-classifier' || node.type === 'parameter-extractor') {
      texts.set(node.id, asText(node.data.instruction, ''));
    }
  }
  if (dsl.nodes().length === 0) texts.set('pre_prompt', dsl.prePrompt);
  return texts;
}

/** Whether a rule's instruction stands in the prompts it applies to. */
function present(rule: TaskRule, prompts: ReadonlyMap<string, string>): boolean {
  const needle = rule.instruction.toLowerCase();
  const texts = rule.node === undefined ? [...prompts.values()] : [prompts.get(rule.node) ?? ''];
  return texts.some((text) => text.toLowerCase().includes(needle));
}

/**
 * The chance a case of `kind` is answered right under `prompts`: the base, plus the gains of its
 * kind's instructions present, less the penalties of conflicting ones, kept within 2–98%, then
 * drawn towards ½ by the temperature. The truth a benchmark measures gains against.
 */
export function taskProbability(
  model: TaskModel,
  prompts: ReadonlyMap<string, string>,
  kind: string,
): number {
  let p = model.base;
  for (const rule of model.rules) {
    if (!present(rule, prompts)) continue;
    if (rule.kind === kind) p += rule.gain;
    if (rule.hurts.includes(kind)) p -= rule.penalty;
  }
  const clamped = Math.min(0.98, Math.max(0.02, p));
  return (1 - model.temperature) * clamped + model.temperature * 0.5;
}

/** A case's answer under the model: right (`<kind>: resolved`) with the task's chance. */
export function taskAnswer(
  model: TaskModel,
  dsl: SimDsl,
  inputs: Readonly<Record<string, unknown>>,
  random: () => number,
): string | undefined {
  const kind = inputs[model.input];
  if (typeof kind !== 'string' || kind === '') return undefined;
  const right = random() < taskProbability(model, promptTexts(dsl), kind);
  return `${kind}: ${right ? 'resolved' : 'unresolved'}`;
}
