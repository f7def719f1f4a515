import type { TaskModel, TaskRule } from './task-model.js';

/** How a simulated proposer writes: how often it finds what a failure needs, and its faults. */
export interface ProposerSkill {
  /** The chance it finds, for each kind of case that failed, an instruction that kind needs. */
  readonly skill: number;
  /** The chance an edit also drops an instruction the prompt had, or adds a stray one. */
  readonly noise: number;
  /** The chance an edit loses one `{{#…#}}` reference. */
  readonly dropReferenceRate: number;
  /** The chance it answers with prose and no fenced block. */
  readonly proseRate: number;
  /** The chance it answers nothing. */
  readonly emptyRate: number;
}

/** What the proposer read from a request: the app, the prompt, its text and the feedback. */
export interface ProposerRequest {
  readonly appName: string | undefined;
  /** `<node>.<field>` or `pre_prompt`. */
  readonly address: string;
  readonly text: string;
  /** Each feedback case: its inputs and whether its graders passed it; none: a blind rewrite. */
  readonly cases: readonly {
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly passed: boolean;
  }[];
}

const FILLERS = [
  'Read the question twice before answering.',
  'Keep the answer focused on what was asked.',
  'Use a friendly, professional tone.',
  'Do not make up facts.',
  'Prefer short sentences.',
  'Check the answer before sending it.',
];

/**
 * Reads the optimizer's request (see `optimizer/proposer-request.ts`) as a model would: the
 * app's name, the address, the current text (the fenced block after `Current text:`), and each
 * case's `Inputs:` and `Verdict:` lines. Undefined when the request holds no prompt text.
 */
export function readProposerRequest(content: string): ProposerRequest | undefined {
  const address = /^Prompt to improve: (\S+)/m.exec(content)?.[1];
  const current = /Current text:\n(`{3,})[^\n]*\n([\s\S]*?)\n\1/.exec(content);
  if (address === undefined || current === null) return undefined;
  const cases = content
    .split(/^### Case \d+$/m)
    .slice(1)
    .map((block) => {
      let inputs: Record<string, unknown> = {};
      try {
        inputs = JSON.parse(/^Inputs: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
      } catch {
        // A case whose inputs cannot be read teaches nothing.
      }
      return { inputs, passed: /^Verdict: passed/m.test(block) };
    });
  return {
    appName: /^App: (.*)$/m.exec(content)?.[1],
    address,
    text: current[2] ?? '',
    cases,
  };
}

function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length)];
}

function has(text: string, rule: TaskRule): boolean {
  return text.toLowerCase().includes(rule.instruction.toLowerCase());
}

/**
 * A simulated proposer's reply to one request, for an honest optimization benchmark: with the
 * chance `skill`, for each kind of case that failed, it adds one instruction that kind needs (of
 * those that apply to the prompt's node; a conflicting one as likely as a clean one); without
 * feedback it adds one applicable instruction at random. With the chance `noise` it also drops
 * an instruction the prompt had or adds a stray one; an edit that found nothing adds a harmless
 * sentence. Then its faults: nothing, prose with no fenced block, or a lost reference.
 */
export function simulatedProposal(
  request: ProposerRequest,
  task: TaskModel | undefined,
  skill: ProposerSkill,
  random: () => number,
): string {
  if (random() < skill.emptyRate) return '';
  const node = request.address === 'pre_prompt' ? 'pre_prompt' : request.address.split('.')[0];
  const rules = (task?.rules ?? []).filter((r) => r.node === undefined || r.node === node);
  let text = request.text;
  const notes: string[] = [];
  const add = (rule: TaskRule | undefined, why: string): void => {
    if (rule === undefined || has(text, rule)) return;
    text = `${text.trimEnd()}\n${rule.instruction}`;
    notes.push(`${why}: added "${rule.instruction}"`);
  };
  if (request.cases.length > 0) {
    const input = task?.input ?? 'kind';
    const failing = [
      ...new Set(request.cases.filter((c) => !c.passed).map((c) => String(c.inputs[input]))),
    ];
    for (const kind of failing)
      if (random() < skill.skill)
        add(
          pick(
            rules.filter((r) => r.kind === kind && !has(text, r)),
            random,
          ),
          `cases of kind ${kind} failed`,
        );
  } else if (random() < skill.skill) {
    add(
      pick(
        rules.filter((r) => !has(text, r)),
        random,
      ),
      'a rewrite',
    );
  }
  if (random() < skill.noise) {
    const present = rules.filter((r) => has(text, r));
    const dropped = random() < 0.5 ? pick(present, random) : undefined;
    if (dropped !== undefined) {
      text = text.replace(new RegExp(escape(dropped.instruction), 'i'), '').trim();
      notes.push(`dropped "${dropped.instruction}"`);
    } else add(pick(task?.rules ?? [], random), 'a stray thought');
  }
  if (notes.length === 0 || text.trim() === request.text.trim()) {
    const filler = `${pick(FILLERS, random) ?? FILLERS[0]} (${String(Math.floor(random() * 1000))})`;
    text = `${text.trimEnd()}\n${filler}`;
    notes.push('nothing specific found: added a general instruction');
  }
  if (random() < skill.dropReferenceRate) {
    const reference = pick(text.match(/\{\{#[^#{}]+#\}\}/g) ?? [], random);
    if (reference !== undefined) text = text.replace(reference, '');
  }
  const reasoning = `${notes.join('; ')}.`;
  if (random() < skill.proseRate) return `I would make the prompt clearer. ${reasoning}`;
  return `${reasoning}\n\n\`\`\`\`\n${text}\n\`\`\`\``;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
