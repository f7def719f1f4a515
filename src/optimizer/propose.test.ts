import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromptSlot } from '../dify/prompt-slots.js';
import { RunStore } from '../store/run-store.js';
import { Budget } from './budget.js';
import { Journal } from './journal.js';
import { propose } from './propose.js';
import type { Proposer, ProposerMessage, ProposerReply } from './proposer.js';
import { ProposerRunner } from './proposer-runner.js';

const SLOT: PromptSlot = {
  address: 'llm.system',
  nodeId: 'llm',
  nodeType: 'llm',
  title: 'Writer',
  field: 'system',
  path: [],
  text: 'Answer {{#start.q#}}.',
  references: ['{{#start.q#}}'],
};

function rig(replies: (string | Error)[], calls = 10, signal = new AbortController().signal) {
  const store = RunStore.open(join(mkdtempSync(join(tmpdir(), 'propose-')), 'runs.db'));
  store.createRun({ id: 'o', configFile: null, config: {}, toolVersion: 't' });
  store.createOptimization({ id: 'o', workflowId: 'w', strategy: 'reflective', settings: {} });
  const seen: ProposerMessage[][] = [];
  const proposer: Proposer = {
    model: 'm',
    ask: (messages) => {
      seen.push([...messages]);
      const next = replies.shift() ?? '```\nAnswer {{#start.q#}}. More.\n```';
      return next instanceof Error
        ? Promise.reject(next)
        : Promise.resolve<ProposerReply>({
            content: next,
            finishReason: 'stop',
            promptTokens: 1_000_000,
            completionTokens: 0,
          });
    },
  };
  const budget = new Budget({ runs: 100, proposerCalls: calls, maxCost: 100, timeMs: 1e9 });
  const context = {
    proposer: new ProposerRunner(proposer, {
      maxAttempts: 1,
      backoff: 0,
      timeout: 5,
      price: { input: 2, output: 0 },
    }),
    journal: new Journal(store, 'o'),
    budget,
    signal,
    appName: 'app',
    places: new Map(),
  };
  const request = {
    slot: SLOT,
    parentText: SLOT.text,
    earlier: new Set<string>(),
    feedback: undefined,
  };
  return { store, seen, budget, context, request };
}

describe('propose', () => {
  it("keeps the proposer's reasoning (prose outside the block, at most 1,000 characters) and counts the call's cost", async () => {
    const long = 'why '.repeat(400);
    const { context, request, budget, seen, store } = rig([
      `${long}\n\`\`\`\nAnswer {{#start.q#}}. Be brief.\n\`\`\`\nDone.`,
    ]);
    const outcome = await propose(context, request);
    expect(outcome).toEqual({
      kind: 'proposed',
      text: 'Answer {{#start.q#}}. Be brief.',
      reasoning: `${long.slice(0, 1000)}…`,
    });
    expect(budget.spent).toEqual({ runs: 0, proposerCalls: 1, cost: 2 });
    // Without a place known, the prompt is named by its node's title.
    expect(seen[0]?.[1]?.content).toContain(
      'Prompt to improve: llm.system (the system prompt of Writer)',
    );
    const short = await propose(
      rig(['Shorter.\n```\nAnswer {{#start.q#}}. X.\n```']).context,
      request,
    );
    expect(short).toMatchObject({ reasoning: 'Shorter.' });
    store.close();
  });

  it('refuses with one retry naming why, and says when no call is left to retry', async () => {
    const twice = rig(['```\nno reference\n```', '```\nstill none\n```']);
    expect(await propose(twice.context, twice.request)).toEqual({
      kind: 'refused',
      reason:
        'refused twice: the new text drops {{#start.q#}}; keep every reference of the original exactly',
    });
    expect(twice.seen[1]?.at(-1)?.content).toMatch(
      /^That reply cannot be used: the new text drops/,
    );
    const once = rig(['```\nno reference\n```'], 1);
    expect(await propose(once.context, once.request)).toEqual({
      kind: 'refused',
      reason:
        'the new text drops {{#start.q#}}; keep every reference of the original exactly; no proposer call left to retry',
    });
    expect(once.seen).toHaveLength(1);
    const retried = rig(['```\nno reference\n```', '```\nAnswer {{#start.q#}} well.\n```']);
    expect(await propose(retried.context, retried.request)).toMatchObject({
      kind: 'proposed',
      text: 'Answer {{#start.q#}} well.',
    });
  });

  it('journals a failed call as failed; a Ctrl-C is no reply and is asked again on resume', async () => {
    const failed = rig([new Error('boom')]);
    expect(await propose(failed.context, failed.request)).toMatchObject({ kind: 'failed' });
    expect(failed.store.optimizationSteps('o', 'reply')).toHaveLength(1);
    expect(failed.budget.spent.cost).toBe(0);
    const controller = new AbortController();
    const aborted = rig([], 10, controller.signal);
    controller.abort(new Error('interrupted'));
    await expect(propose(aborted.context, aborted.request)).rejects.toThrow('interrupted');
    expect(aborted.store.optimizationSteps('o', 'reply')).toHaveLength(0);
  });
});
