import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../core/seeded-random.js';
import type { PromptSlot } from '../dify/prompt-slots.js';
import type { PlannedCase } from '../run/planned-case.js';
import { RunStore } from '../store/run-store.js';
import { Budget } from './budget.js';
import type { CaseRun, Evaluation, EvaluationSet, Evaluator } from './evaluator.js';
import { Journal } from './journal.js';
import type { Proposer, ProposerMessage, ProposerReply } from './proposer.js';
import { ProposerRunner } from './proposer-runner.js';
import {
  evaluationMean,
  promptTokens,
  scoreMap,
  search,
  type SearchCandidate,
  type SearchContext,
  type Strategy,
} from './search.js';

const SLOT: PromptSlot = {
  address: 'llm.system',
  nodeId: 'llm',
  nodeType: 'llm',
  title: 'LLM',
  field: 'system',
  path: [],
  text: 'Answer {{#start.q#}}.',
  references: ['{{#start.q#}}'],
};

function planned(index: number): PlannedCase {
  return {
    caseId: `case-${String(index)}`,
    position: index,
    workflowId: 'w',
    variant: undefined,
    caseIndex: index,
    repeatIndex: 0,
    inputs: { kind: `k${String(index % 4)}` },
    query: undefined,
    reference: undefined,
  };
}

/**
 * An evaluator whose cases pass by the prompt alone: case i passes when the prompt holds the
 * word of its kind (`k0` … `k3`), so a candidate's score is the share of its kinds it names.
 */
class FakeEvaluator {
  readonly log: { candidate: string; set: EvaluationSet; runs: number }[] = [];
  /** Candidates whose validation fails every case, whatever their prompt. */
  readonly failValidation = new Set<string>();
  msPerRun = 1;
  seq = 0;
  evaluate(
    candidate: { readonly id: string; readonly prompts: Readonly<Record<string, string>> },
    set: EvaluationSet,
    cases: readonly PlannedCase[],
    keyOf: (c: PlannedCase) => string,
  ): Promise<Evaluation> {
    const text = candidate.prompts[SLOT.address] ?? SLOT.text;
    const scores: Record<string, number[]> = {};
    const forced = set === 'validation' && this.failValidation.has(candidate.id);
    for (const c of cases)
      scores[keyOf(c)] = [!forced && text.includes(String(c.inputs.kind)) ? 1 : 0];
    this.log.push({ candidate: candidate.id, set, runs: cases.length });
    this.seq += 1;
    return Promise.resolve({
      seq: this.seq,
      candidateId: candidate.id,
      set,
      scores,
      runs: cases.length,
      cost: 0.01,
      ms: this.msPerRun * cases.length,
    });
  }
  caseRuns(evaluation: Evaluation, cases: readonly PlannedCase[]): CaseRun[] {
    return cases.map((c) => ({
      planned: c,
      record: {
        passed: evaluation.scores[String(c.caseIndex)]?.[0] === 1,
        answer: 'x',
        outputs: null,
        grades: [],
        nodes: [],
        status: 'succeeded',
        errorCode: null,
        errorMessage: null,
      } as unknown as CaseRun['record'],
    }));
  }
}

/** A proposer that names one kind its feedback shows failing (or the next kind, blind). */
class KindProposer implements Proposer {
  readonly model = 'fake';
  readonly asked: string[] = [];
  readonly last: string[] = [];
  replies: ((user: string) => string)[] = [];
  #blind = 0;
  ask(messages: readonly ProposerMessage[]): Promise<ProposerReply> {
    const user = messages.find((m) => m.role === 'user')?.content ?? '';
    this.asked.push(user);
    this.last.push(messages.at(-1)?.content ?? '');
    const scripted = this.replies.shift();
    const current = /Current text:\n(`{3,})\n([\s\S]*?)\n\1/.exec(user)?.[2] ?? '';
    const failing = /Inputs: \{"kind":"(k\d)"\}\n.*\n.*\nVerdict: failed/.exec(user)?.[1];
    const kind = failing ?? `k${String(this.#blind++ % 4)}`;
    const content = scripted?.(user) ?? `Add ${kind}.\n\`\`\`\n${current} ${kind}\n\`\`\``;
    return Promise.resolve({
      content,
      finishReason: 'stop',
      promptTokens: 10,
      completionTokens: 5,
    });
  }
}

let store: RunStore | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

function context(
  strategy: Strategy,
  overrides: {
    runs?: number;
    calls?: number;
    proposer?: KindProposer;
    evaluator?: FakeEvaluator;
    timeMs?: number;
    now?: () => number;
  } = {},
): { context: SearchContext; evaluator: FakeEvaluator; proposer: KindProposer; budget: Budget } {
  store = RunStore.open(join(mkdtempSync(join(tmpdir(), 'search-')), 'runs.db'));
  store.createRun({ id: 'o1', configFile: null, config: {}, toolVersion: 't' });
  store.createOptimization({ id: 'o1', workflowId: 'w', strategy, settings: {} });
  const evaluator = overrides.evaluator ?? new FakeEvaluator();
  const proposer = overrides.proposer ?? new KindProposer();
  const budget = new Budget(
    {
      runs: overrides.runs ?? 200,
      proposerCalls: overrides.calls ?? 40,
      maxCost: 100,
      timeMs: overrides.timeMs ?? 1e9,
    },
    overrides.now === undefined ? {} : { now: overrides.now },
  );
  const train = Array.from({ length: 16 }, (_, i) => planned(i));
  const validation = Array.from({ length: 8 }, (_, i) => planned(100 + i));
  return {
    evaluator,
    proposer,
    budget,
    context: {
      strategy,
      evaluator: evaluator as unknown as Evaluator,
      proposer: new ProposerRunner(proposer, { maxAttempts: 1, backoff: 0, timeout: 5 }),
      journal: new Journal(store, 'o1'),
      budget,
      random: createSeededRandom(3),
      source: undefined as never,
      appName: 'app',
      targets: [SLOT],
      places: new Map(),
      train,
      validation,
      keyOf: (c) => String(c.caseIndex),
      minibatch: 4,
      reserve: 16,
      signal: new AbortController().signal,
    },
  };
}

const baseline: SearchCandidate = {
  id: 'c0',
  prompts: {},
  parent: undefined,
  target: undefined,
  reasoning: '',
  scores: new Map(Array.from({ length: 8 }, (_, i) => [String(100 + i), 0])),
  promptTokens: 5,
  runsAt: 0,
};

describe('the search', () => {
  it('reflective: learns every kind from the failing cases it is shown, within the budget', async () => {
    const { context: ctx, evaluator, budget } = context('reflective');
    const outcome = await search(baseline, ctx);
    expect(outcome.best.prompts[SLOT.address]).toMatch(/k0/);
    expect([...outcome.best.scores.values()].every((s) => s === 1)).toBe(true);
    expect(budget.spent.runs + 16).toBeLessThanOrEqual(200);
    expect(outcome.stopReason).toBe(
      'what is left of the budget cannot buy another proposal and its validation',
    );
    // Each proposal: the parent's minibatch, the child's, and the validation only on a win.
    for (const event of outcome.events) {
      const evaluated = evaluator.log.filter((l) => l.candidate === event.id);
      expect(evaluated.slice(0, 2).map((l) => l.set)).toEqual(
        event.status === 'validated'
          ? ['minibatch', 'validation']
          : event.status === 'refused'
            ? []
            : ['minibatch'],
      );
    }
    expect(outcome.pool.map((c) => c.id)).toEqual([
      'c0',
      ...outcome.events.filter((e) => e.status === 'validated').map((e) => e.id),
    ]);
  });

  it('greedy: each winner becomes the parent; the pick is the last winner', async () => {
    const { context: ctx } = context('greedy');
    const outcome = await search(baseline, ctx);
    const validated = outcome.events.filter((e) => e.status === 'validated');
    for (let i = 1; i < validated.length; i += 1)
      expect(validated[i]?.parent).toBe(validated[i - 1]?.id);
    expect(outcome.best.id).toBe(validated.at(-1)?.id);
  });

  it('random: the proposer sees no case', async () => {
    const { context: ctx, proposer } = context('random');
    await search(baseline, ctx);
    expect(proposer.asked.length).toBeGreaterThan(0);
    for (const asked of proposer.asked) {
      expect(asked).not.toContain('### Case');
      expect(asked).toContain('No example cases are given.');
    }
  });

  it('refuses a reply that drops a reference, retries once naming it, and never runs it', async () => {
    const proposer = new KindProposer();
    proposer.replies = [() => '```\nAnswer it. k0\n```', () => '```\nAnswer it. k1\n```'];
    const { context: ctx, evaluator } = context('reflective', { proposer, calls: 2 });
    const outcome = await search(baseline, ctx);
    expect(outcome.events).toHaveLength(1);
    expect(outcome.events[0]).toMatchObject({
      id: 'c1',
      status: 'refused',
      reason:
        'refused twice: the new text drops {{#start.q#}}; keep every reference of the original exactly',
    });
    expect(proposer.last[1]).toContain(
      'That reply cannot be used: the new text drops {{#start.q#}}',
    );
    expect(evaluator.log.some((l) => l.candidate === 'c1')).toBe(false);
  });

  it('stops after the proposer failed three times in a row', async () => {
    const down: Proposer = {
      model: 'down',
      ask: () => Promise.reject(Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    };
    const { context: ctx } = context('reflective');
    const outcome = await search(baseline, {
      ...ctx,
      proposer: new ProposerRunner(down, { maxAttempts: 1, backoff: 0, timeout: 5 }),
    });
    expect(outcome.events.map((e) => e.status)).toEqual(['refused', 'refused', 'refused']);
    expect(outcome.stopReason).toMatch(
      /^the proposer failed 3 times in a row: the proposer failed after 1 attempt\(s\)/,
    );
    expect(outcome.best.id).toBe('c0');
  });

  it('replays a journal: the same search, nothing asked or run again', async () => {
    const first = context('reflective', { runs: 120 });
    const outcome = await search(baseline, first.context);
    const again = new KindProposer();
    const evaluator = new FakeEvaluator();
    const replay = await search(baseline, {
      ...first.context,
      journal: new Journal(store!, 'o1'),
      budget: new Budget({ runs: 120, proposerCalls: 40, maxCost: 100, timeMs: 1e9 }),
      random: createSeededRandom(3),
      proposer: new ProposerRunner(again, { maxAttempts: 1, backoff: 0, timeout: 5 }),
      evaluator: evaluator as unknown as Evaluator,
    });
    expect(replay.events.map((e) => [e.id, e.status, e.text])).toEqual(
      outcome.events.map((e) => [e.id, e.status, e.text]),
    );
    expect(again.asked).toHaveLength(0);
  });

  it('builds on its children: a child not clearly worse supersedes its parent, a clearly worse one does not', async () => {
    const { context: ctx } = context('reflective');
    const outcome = await search(baseline, ctx);
    const validated = outcome.events.filter((e) => e.status === 'validated');
    // Every child here is better, so each new proposal starts from the newest.
    for (let i = 1; i < validated.length; i += 1)
      expect(validated[i]?.parent).toBe(validated[i - 1]?.id);
    const evaluator = new FakeEvaluator();
    evaluator.failValidation.add('c1');
    const half: SearchCandidate = {
      ...baseline,
      scores: new Map([...baseline.scores].map(([k], i) => [k, i % 2])),
    };
    const worse = await search(half, context('reflective', { evaluator }).context);
    expect(worse.events[0]).toMatchObject({ id: 'c1', status: 'validated', validation: 0 });
    // c1 validated clearly worse than c0 (0 against 0.5): c0 is still the parent.
    expect(worse.events[1]?.parent).toBe('c0');
    expect(worse.best.id).not.toBe('c1');
  });

  it('greedy keeps its last minibatch winner, even one that validates worse', async () => {
    const evaluator = new FakeEvaluator();
    evaluator.failValidation.add('c1');
    const outcome = await search(baseline, context('greedy', { evaluator, runs: 60 }).context);
    expect(outcome.events.map((e) => [e.id, e.parent])).toEqual([
      ['c1', 'c0'],
      ['c2', 'c1'],
    ]);
    expect(outcome.best.id).toBe('c2');
  });

  it('drops a child that only ties its parent on the minibatch, and one already tried', async () => {
    const proposer = new KindProposer();
    const same = (user: string) =>
      `Same.\n\`\`\`\n${/Current text:\n(`{3,})\n([\s\S]*?)\n\1/.exec(user)?.[2] ?? ''} again\n\`\`\``;
    proposer.replies = [same, same, same];
    const { context: ctx, evaluator } = context('reflective', { proposer, runs: 100 });
    const outcome = await search(baseline, ctx);
    expect(outcome.events[0]).toMatchObject({
      id: 'c1',
      status: 'lost-minibatch',
      reason: 'did not beat its parent on the minibatch',
      reasoning: 'Same.',
      parentMinibatch: 0,
      childMinibatch: 0,
    });
    expect(evaluator.log.filter((l) => l.candidate === 'c1').map((l) => l.set)).toEqual([
      'minibatch',
    ]);
    // The same text again: refused as tried, asked once more.
    expect(outcome.events[1]).toMatchObject({
      id: 'c2',
      status: 'refused',
      reason: 'refused twice: the new text is one already tried',
    });
  });

  it('starts no round its estimated time cannot finish', async () => {
    const evaluator = new FakeEvaluator();
    // 50 ms a run: a round of 2×4 + 8 runs and 16 kept back is 1.6 s, over the 1.5 s left.
    evaluator.msPerRun = 50;
    const outcome = await search(
      baseline,
      context('reflective', { evaluator, timeMs: 1500, now: () => 0 }).context,
    );
    expect(outcome.events).toHaveLength(1);
    expect(outcome.stopReason).toBe(
      'what is left of the budget cannot buy another proposal and its validation',
    );
    const spent = context('reflective');
    spent.budget.spend({ runs: 200 });
    expect((await search(baseline, spent.context)).stopReason).toBe(
      'the run budget (200) is spent',
    );
  });

  it('scores evaluations and counts prompt tokens', () => {
    const evaluation: Evaluation = {
      seq: 0,
      candidateId: 'c',
      set: 'validation',
      scores: { a: [1, 0], b: [1, 1], c: [] },
      runs: 4,
      cost: 0,
      ms: 0,
    };
    expect(evaluationMean(evaluation)).toBeCloseTo(0.5, 12);
    expect(evaluationMean({ ...evaluation, scores: {} })).toBe(0);
    expect([...scoreMap(evaluation)]).toEqual([
      ['a', 0.5],
      ['b', 1],
      ['c', 0],
    ]);
    expect(promptTokens([SLOT], {})).toBe(6);
    expect(promptTokens([SLOT, { ...SLOT, address: 'x' }], { x: 'abcdefghi' })).toBe(9);
  });
});
