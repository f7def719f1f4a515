import type { SimDsl, SimNode } from './sim-dsl.js';
import { asArray, asObject, asText } from '../core/json-value.js';

type Json = Readonly<Record<string, unknown>>;

/** What one node did in a simulated run. */
export interface SimNodeRun {
  readonly node: SimNode;
  readonly outputs: Json;
  readonly tokens: number;
  /** An LLM node's prompt as the model got it, and the tokens it took (Dify's `process_data`). */
  readonly prompts?: readonly { readonly role: string; readonly text: string }[];
  readonly promptTokens?: number;
}

/** A simulated run's outcome, before any behaviour (latency, failures) is applied. */
export interface SimRunOutcome {
  readonly nodes: readonly SimNodeRun[];
  readonly outputs: Json;
  /** The text a chat app answers, or an LLM streams. */
  readonly answer: string;
  readonly totalTokens: number;
  readonly totalPrice: number;
}

// A flat price per token, so costs add up predictably.
export const PRICE_PER_TOKEN = 0.000002;

const REFERENCE = /\{\{#([^#{}]+)#\}\}/g;

/** Fills `{{#node.var#}}` references from `values`; unknown ones become empty. */
export function renderTemplate(template: string, values: ReadonlyMap<string, unknown>): string {
  return template.replace(REFERENCE, (_, key: string) => {
    const value = values.get(key);
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * The simulated model: its answer derives only from the prompt it is given, so a run is
 * deterministic, and a better prompt gives a different (better-graded) answer. Directives in the
 * prompt change the answer the way a model would follow them: `uppercase`, `lowercase`,
 * `brief`/`concise` (the first 12 words), `json` (a JSON object), `french` (a greeting first),
 * `polite` (a courteous opening).
 */
export function simulateModel(system: string, user: string): string {
  const instructions = `${system}\n${user}`.toLowerCase();
  let text = (user.trim() === '' ? system : user).trim().replace(/\s+/g, ' ');
  if (instructions.includes('brief') || instructions.includes('concise')) {
    text = text.split(' ').slice(0, 12).join(' ');
  }
  if (instructions.includes('french')) text = `Bonjour ! ${text}`;
  if (instructions.includes('polite')) text = `Certainly, with pleasure: ${text}`;
  if (instructions.includes('uppercase')) text = text.toUpperCase();
  else if (instructions.includes('lowercase')) text = text.toLowerCase();
  if (instructions.includes('json')) text = JSON.stringify({ answer: text });
  return text;
}

function objectOrEmpty(value: unknown): Json {
  return asObject(value) ?? {};
}

function selector(value: unknown): string {
  return asArray(value).map(String).join('.');
}

function runLlm(
  node: SimNode,
  values: ReadonlyMap<string, unknown>,
): {
  text: string;
  tokens: number;
  prompts: { role: string; text: string }[];
  promptTokens: number;
} {
  const template = node.data.prompt_template;
  let system = '';
  let user = '';
  if (Array.isArray(template)) {
    for (const message of template) {
      const entry = objectOrEmpty(message);
      const rendered = renderTemplate(asText(entry.text, ''), values);
      if (entry.role === 'system') system += `${rendered}\n`;
      else if (entry.role === 'user') user += `${rendered}\n`;
    }
  } else {
    user = renderTemplate(asText(objectOrEmpty(template).text, ''), values);
  }
  // A chatflow's LLM also sees the user's query when its prompt does not quote it.
  const query = values.get('sys.query');
  if (typeof query === 'string' && !user.includes(query)) user = `${user}\n${query}`;
  const text = simulateModel(system, user);
  const prompts = [
    ...(system === '' ? [] : [{ role: 'system', text: system.trimEnd() }]),
    { role: 'user', text: user.trim() },
  ];
  const promptTokens = tokens(system + user);
  return { text, tokens: promptTokens + tokens(text), prompts, promptTokens };
}

/**
 * Runs an app's graph on its inputs: LLM nodes answer through {@link simulateModel}, the other
 * nodes pass values along, and the end (or answer) nodes gather the outputs.
 */
export function runGraph(
  dsl: SimDsl,
  inputs: Json,
  context: { readonly query?: string | undefined; readonly user: string; readonly runId: string },
): SimRunOutcome {
  const values = new Map<string, unknown>();
  values.set('sys.user_id', context.user);
  values.set('sys.workflow_run_id', context.runId);
  if (context.query !== undefined) values.set('sys.query', context.query);
  const runs: SimNodeRun[] = [];
  let outputs: Json = {};
  let answer = '';
  let lastText = '';
  let totalTokens = 0;
  for (const node of dsl.nodes()) {
    const step = runNode(node, inputs, values, { answer, lastText, outputs });
    const nodeOutputs = step.outputs;
    const nodeTokens = step.tokens;
    if (node.type === 'llm') lastText = asText(nodeOutputs.text, '');
    if (node.type === 'answer') answer = asText(nodeOutputs.answer, '');
    if (node.type === 'end') outputs = nodeOutputs;
    for (const [key, value] of Object.entries(nodeOutputs)) values.set(`${node.id}.${key}`, value);
    totalTokens += nodeTokens;
    runs.push({ node, ...step });
  }
  if (dsl.nodes().length === 0) {
    // A chat or completion app: one model call on its pre-prompt.
    const system = renderTemplate(
      dsl.prePrompt.replace(/\{\{(\w+)\}\}/g, '{{#start.$1#}}'),
      new Map(Object.entries(inputs).map(([k, v]) => [`start.${k}`, v])),
    );
    answer = simulateModel(system, context.query ?? '');
    totalTokens = tokens(system + (context.query ?? '')) + tokens(answer);
  }
  if (answer === '' && dsl.mode !== 'workflow') answer = lastText;
  return { nodes: runs, outputs, answer, totalTokens, totalPrice: totalTokens * PRICE_PER_TOKEN };
}

/** One node's outputs and tokens, from the values so far and what the run gathered. */
function runNode(
  node: SimNode,
  inputs: Json,
  values: ReadonlyMap<string, unknown>,
  so: { readonly answer: string; readonly lastText: string; readonly outputs: Json },
): Omit<SimNodeRun, 'node'> {
  switch (node.type) {
    case 'start':
      return { outputs: { ...inputs }, tokens: 0 };
    case 'llm': {
      const { text, tokens: used, prompts, promptTokens } = runLlm(node, values);
      return { outputs: { text }, tokens: used, prompts, promptTokens };
    }
    case 'question-classifier': {
      const first = objectOrEmpty(asArray(node.data.classes)[0]);
      return {
        outputs: { class_name: asText(first.name, '') },
        tokens: tokens(asText(node.data.instruction, '')),
      };
    }
    case 'parameter-extractor': {
      const source = values.get(selector(node.data.query)) ?? '';
      const outputs: Record<string, unknown> = {};
      for (const parameter of asArray(node.data.parameters))
        outputs[asText(objectOrEmpty(parameter).name)] = source;
      return { outputs, tokens: tokens(asText(node.data.instruction, '')) };
    }
    case 'template-transform':
      return {
        outputs: { output: renderTemplate(asText(node.data.template, ''), values) },
        tokens: 0,
      };
    case 'variable-aggregator': {
      const found = asArray(node.data.variables)
        .map((v) => values.get(selector(v)))
        .find((v) => v !== undefined);
      return { outputs: { output: found ?? so.lastText }, tokens: 0 };
    }
    case 'answer':
      return {
        outputs: { answer: so.answer + renderTemplate(asText(node.data.answer, ''), values) },
        tokens: 0,
      };
    case 'end': {
      const outputs: Record<string, unknown> = { ...so.outputs };
      for (const output of asArray(node.data.outputs)) {
        const entry = objectOrEmpty(output);
        outputs[asText(entry.variable)] = values.get(selector(entry.value_selector)) ?? null;
      }
      return { outputs, tokens: 0 };
    }
    default:
      // Retrieval, code, if-else, iteration and the rest: they pass values along.
      return { outputs: { output: so.lastText }, tokens: 0 };
  }
}

/** A run's outcome with `text` as its answer: every text output, and a chat app's answer. */
export function withAnswer(outcome: SimRunOutcome, text: string): SimRunOutcome {
  return {
    ...outcome,
    outputs: Object.fromEntries(
      Object.entries(outcome.outputs).map(([k, v]) => [k, typeof v === 'string' ? text : v]),
    ),
    answer: outcome.answer === '' ? '' : text,
  };
}
