import { referenceDifference, type PromptField } from '../dify/prompt-slots.js';

/** Why a proposer's reply was refused (never repaired), to say in the one retry. */
export type RefusalKind = 'empty' | 'truncated' | 'unchanged' | 'repeated' | 'references';

/** A proposer's reply read: the new prompt text, or why it cannot be used. */
export type ProposalReading =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly kind: RefusalKind; readonly reason: string };

// A fenced block: three or more backticks (or tildes), an optional info string, the body, and the
// same fence closing it.
const FENCE = /(^|\n)(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n\2[ \t]*(?=\n|$)/g;

/** The last fenced block of a reply, else the whole reply, trimmed of the blank lines around. */
export function proposedText(reply: string): string {
  let last: string | undefined;
  for (const match of reply.matchAll(FENCE)) last = match[3];
  return (last ?? reply).replace(/^\s*\n/, '').replace(/\n\s*$/, '');
}

/**
 * Reads a proposer's reply for one prompt: takes the last fenced block (prose around it is
 * tolerated), and refuses a reply that is empty, cut short (`finish_reason: length`), the same as
 * its parent or an earlier candidate, or whose `{{#…#}}` references differ from the prompt's.
 */
export function readProposal(
  reply: { readonly content: string | null | undefined; readonly finishReason?: string | null },
  prompt: {
    readonly field: PromptField;
    readonly references: readonly string[];
    readonly parent: string;
    readonly earlier: ReadonlySet<string>;
  },
): ProposalReading {
  if (reply.finishReason === 'length')
    return {
      ok: false,
      kind: 'truncated',
      reason: 'the reply was cut short (finish_reason: length)',
    };
  const text = proposedText(reply.content ?? '');
  if (text.trim() === '')
    return { ok: false, kind: 'empty', reason: 'the reply held no prompt text' };
  if (text.trim() === prompt.parent.trim())
    return { ok: false, kind: 'unchanged', reason: 'the new text is the same as the current one' };
  if (prompt.earlier.has(text.trim()))
    return { ok: false, kind: 'repeated', reason: 'the new text is one already tried' };
  const difference = referenceDifference(prompt.references, text, prompt.field);
  if (difference !== undefined)
    return { ok: false, kind: 'references', reason: difference.message };
  return { ok: true, text };
}

/** A fence longer than any run of backticks in `text`, so the text can sit inside it. */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}
