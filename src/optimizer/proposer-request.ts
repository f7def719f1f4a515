import { asArray, asObject, asText } from '../core/json-value.js';
import type { DslDocument } from '../dify/dsl-document.js';
import type { PromptSlot } from '../dify/prompt-slots.js';
import { fenceFor } from './proposal-reply.js';
import type { ProposerMessage } from './proposer.js';

/** One case of a train minibatch, as the proposer is shown it. */
export interface FeedbackCase {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | undefined;
  /** The app's answer (or its outputs), or the error it ended with. */
  readonly output: string;
  readonly expected: unknown;
  readonly passed: boolean;
  /** Each assertion: its name, whether it passed, and why (a judge's rationale included). */
  readonly grades: readonly {
    readonly name: string;
    readonly pass: boolean;
    readonly reason: string;
  }[];
  /** What the prompt's own node produced in this run, from its trace. */
  readonly nodeOutput: string | undefined;
}

/** Where a prompt sits in its app: its node, what feeds it, what reads what it produces. */
export interface PromptPlace {
  readonly node: string;
  readonly fedBy: readonly string[];
  readonly readBy: readonly string[];
}

const SYSTEM = [
  'You improve one prompt of a Dify app so that more of its test cases pass.',
  'Study the failing cases, find what the prompt fails to say, and write the complete new text of the prompt.',
  'Keep every {{#…#}} reference exactly as it is, each one at least once; add no other reference.',
  'Write general instructions: do not copy facts, names or answers from the example cases into the prompt.',
  'Explain your change in a sentence or two, then give the whole new prompt in one fenced code block.',
].join('\n');

/** A node's title and type, as `"Title" (llm, llm_1)`. */
function named(node: Readonly<Record<string, unknown>> | undefined, id: string): string {
  const data = asObject(node?.data) ?? {};
  return `"${asText(data.title, id)}" (${asText(data.type, 'node')}, ${id})`;
}

/** Where `slot` sits in `dsl`'s graph (a chat or completion app: the app itself). */
export function promptPlace(dsl: DslDocument, slot: PromptSlot): PromptPlace {
  const graph = asObject(asObject(dsl.toJSON().workflow)?.graph) ?? {};
  const nodes = new Map(
    asArray(graph.nodes).flatMap((n) => {
      const node = asObject(n);
      return node === undefined ? [] : [[asText(node.id, ''), node] as const];
    }),
  );
  const id = slot.nodeId;
  if (id === undefined) return { node: `the ${dsl.mode} app's pre-prompt`, fedBy: [], readBy: [] };
  const edges = asArray(graph.edges).map((e) => asObject(e) ?? {});
  const fedBy = [
    ...new Set([
      ...slot.references.map((reference) => {
        const source = /\{\{#([^.#]+)\./.exec(reference)?.[1] ?? '';
        return `${reference} from ${named(nodes.get(source), source)}`;
      }),
      ...edges
        .filter((e) => e.target === id)
        .map((e) => `runs after ${named(nodes.get(asText(e.source, '')), asText(e.source, ''))}`),
    ]),
  ];
  const readBy = [
    ...new Set([
      ...[...nodes.entries()]
        .filter(([other, node]) => other !== id && JSON.stringify(node.data).includes(id))
        .map(([other, node]) => `read by ${named(node, other)}`),
      ...edges
        .filter((e) => e.source === id)
        .map((e) => `followed by ${named(nodes.get(asText(e.target, '')), asText(e.target, ''))}`),
    ]),
  ];
  return { node: named(nodes.get(id), id), fedBy, readBy };
}

/** A value on one line, cut at `max` characters. */
function line(value: unknown, max = 600): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * The request for a new text of one prompt (the optimizer spec, §3): its place in the app, its
 * current text in a fence longer than any backtick run in it, its references to keep, and, for
 * a reflective proposal, each minibatch case's inputs, output, expected value, verdicts with
 * their reasons and the node's own output. Without cases (the `random` baseline) it asks for a
 * rewrite with no feedback.
 */
export function proposalMessages(request: {
  readonly appName: string;
  readonly slot: PromptSlot;
  readonly place: PromptPlace;
  readonly text: string;
  readonly cases: readonly FeedbackCase[] | undefined;
}): ProposerMessage[] {
  const { slot, place, text, cases } = request;
  const fence = fenceFor(text);
  const parts = [
    `App: ${request.appName}`,
    `Prompt to improve: ${slot.address} (the ${slot.field} prompt of ${place.node})`,
    ...place.fedBy.map((f) => `Input: ${f}`),
    ...place.readBy.map((r) => `Output: ${r}`),
    `References to keep exactly: ${slot.references.length === 0 ? '(none)' : slot.references.join(', ')}`,
    '',
    'Current text:',
    fence,
    text,
    fence,
    '',
  ];
  if (cases === undefined || cases.length === 0) {
    parts.push('Rewrite the prompt so the app answers better. No example cases are given.');
  } else {
    parts.push(`Cases from a training batch (${String(cases.length)}):`);
    cases.forEach((c, i) => {
      parts.push(
        `### Case ${String(i + 1)}`,
        `Inputs: ${JSON.stringify(c.inputs)}`,
        ...(c.query === undefined ? [] : [`Query: ${line(c.query)}`]),
        `Output: ${line(c.output)}`,
        ...(c.nodeOutput === undefined
          ? []
          : [`This prompt's node produced: ${line(c.nodeOutput)}`]),
        `Expected: ${line(c.expected)}`,
        `Verdict: ${c.passed ? 'passed' : 'failed'}`,
        ...c.grades.map(
          (g) =>
            `- ${g.name}: ${g.pass ? 'pass' : 'fail'}${g.reason === '' ? '' : ` (${line(g.reason, 300)})`}`,
        ),
      );
    });
  }
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: parts.join('\n') },
  ];
}

/** The one retry after a refused reply: the conversation so far, and why it was refused. */
export function retryMessages(
  first: readonly ProposerMessage[],
  reply: string,
  reason: string,
): ProposerMessage[] {
  return [
    ...first,
    { role: 'assistant', content: reply },
    {
      role: 'user',
      content: `That reply cannot be used: ${reason}. Write the complete new prompt again, keeping every {{#…#}} reference exactly, in one fenced code block.`,
    },
  ];
}
