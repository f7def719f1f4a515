import type { PromptSlot } from '../dify/prompt-slots.js';
import type { Budget } from './budget.js';
import type { Journal } from './journal.js';
import { proposedText, readProposal } from './proposal-reply.js';
import {
  proposalMessages,
  retryMessages,
  type FeedbackCase,
  type PromptPlace,
} from './proposer-request.js';
import type { ProposerMessage } from './proposer.js';
import type { PricedReply, ProposerRunner } from './proposer-runner.js';

/** A proposal: a new text with the proposer's reasoning, a refused reply, or a failed call. */
export type ProposalOutcome =
  | { readonly kind: 'proposed'; readonly text: string; readonly reasoning: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** A journalled reply: what the proposer said, or why the call failed. */
type JournalledReply = PricedReply | { readonly error: string };

/** The prose around a reply's prompt: the proposer's reasoning, at most 1,000 characters. */
function reasoningOf(content: string, text: string): string {
  const prose = content
    .replace(text, '')
    .replace(/(`{3,}|~{3,})[^\n]*\n?\s*\1/g, '')
    .trim();
  return prose.length > 1000 ? `${prose.slice(0, 1000)}…` : prose;
}

/** One call, journalled: replayed from the journal when it holds it. */
async function ask(
  context: {
    readonly proposer: ProposerRunner;
    readonly journal: Journal;
    readonly budget: Budget;
    readonly signal: AbortSignal;
  },
  messages: readonly ProposerMessage[],
): Promise<JournalledReply> {
  const { seq, recorded } = context.journal.step('reply');
  let reply = recorded as JournalledReply | undefined;
  if (reply === undefined) {
    try {
      reply = await context.proposer.ask(messages, context.signal);
    } catch (error) {
      // Ctrl-C is no reply: the call is asked again on resume.
      if (context.signal.aborted) throw error;
      reply = { error: error instanceof Error ? error.message : String(error) };
    }
    context.journal.record('reply', seq, reply);
  }
  context.budget.spend({ proposerCalls: 1, cost: 'error' in reply ? 0 : reply.cost });
  return reply;
}

/**
 * Asks the proposer for a new text of one prompt, reads the reply (the last fenced block; prose
 * tolerated) and refuses one that is empty, cut short, unchanged, already tried, or whose
 * references differ, never repairing it; one retry names why. Every call and its cost counted.
 */
export async function propose(
  context: {
    readonly proposer: ProposerRunner;
    readonly journal: Journal;
    readonly budget: Budget;
    readonly signal: AbortSignal;
    readonly appName: string;
    readonly places: ReadonlyMap<string, PromptPlace>;
  },
  request: {
    readonly slot: PromptSlot;
    readonly parentText: string;
    readonly earlier: ReadonlySet<string>;
    readonly feedback: readonly FeedbackCase[] | undefined;
  },
): Promise<ProposalOutcome> {
  const { slot } = request;
  const messages = proposalMessages({
    appName: context.appName,
    slot,
    place: context.places.get(slot.address) ?? { node: slot.title, fedBy: [], readBy: [] },
    text: request.parentText,
    cases: request.feedback,
  });
  const prompt = {
    field: slot.field,
    references: slot.references,
    parent: request.parentText,
    earlier: request.earlier,
  };
  let conversation = messages;
  let refusal = '';
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (attempt > 0 && !context.budget.affords({ proposerCalls: 1 }))
      return { kind: 'refused', reason: `${refusal}; no proposer call left to retry` };
    const reply = await ask(context, conversation);
    if ('error' in reply) return { kind: 'failed', reason: reply.error };
    const reading = readProposal(reply, prompt);
    if (reading.ok)
      return {
        kind: 'proposed',
        text: reading.text,
        reasoning: reasoningOf(reply.content, proposedText(reply.content)),
      };
    refusal = reading.reason;
    conversation = retryMessages(messages, reply.content, reading.reason);
  }
  return { kind: 'refused', reason: `refused twice: ${refusal}` };
}
