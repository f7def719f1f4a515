import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../core/seeded-random.js';
import { readProposerRequest, simulatedProposal, type ProposerSkill } from './sim-proposer.js';
import type { TaskModel } from './task-model.js';

const TASK: TaskModel = {
  input: 'kind',
  base: 0.2,
  temperature: 0,
  rules: [
    { kind: 'billing', instruction: 'Quote the invoice.', gain: 0.6, hurts: [], penalty: 0 },
    {
      kind: 'login',
      instruction: 'Explain the reset.',
      gain: 0.6,
      hurts: [],
      penalty: 0,
      node: 'llm',
    },
    {
      kind: 'login',
      instruction: 'Only in review.',
      gain: 0.6,
      hurts: [],
      penalty: 0,
      node: 'review',
    },
  ],
};

const PERFECT: ProposerSkill = {
  skill: 1,
  noise: 0,
  dropReferenceRate: 0,
  proseRate: 0,
  emptyRate: 0,
};

function request(cases: string): string {
  return [
    'App: support [dify-autoopt ab12]',
    'Prompt to improve: llm.system (the system prompt of "LLM" (llm, llm))',
    '',
    'Current text:',
    '```',
    'Answer {{#start.q#}}.',
    '```',
    cases,
  ].join('\n');
}

const FAILING = [
  '### Case 1',
  'Inputs: {"kind":"billing"}',
  'Verdict: failed',
  '### Case 2',
  'Inputs: {"kind":"login"}',
  'Verdict: failed',
  '### Case 3',
  'Inputs: not json',
  'Verdict: passed',
].join('\n');

describe('the simulated proposer', () => {
  it('reads the request as the optimizer writes it', () => {
    expect(readProposerRequest(request(FAILING))).toEqual({
      appName: 'support [dify-autoopt ab12]',
      address: 'llm.system',
      text: 'Answer {{#start.q#}}.',
      cases: [
        { inputs: { kind: 'billing' }, passed: false },
        { inputs: { kind: 'login' }, passed: false },
        { inputs: {}, passed: true },
      ],
    });
    expect(readProposerRequest('hello')).toBeUndefined();
    expect(readProposerRequest(request(''))?.appName).toBe('support [dify-autoopt ab12]');
  });

  it('with full skill adds what each failed kind needs, for its node only, keeping the references', () => {
    const reply = simulatedProposal(
      readProposerRequest(request(FAILING))!,
      TASK,
      PERFECT,
      createSeededRandom(1),
    );
    expect(reply).toContain(
      '````\nAnswer {{#start.q#}}.\nQuote the invoice.\nExplain the reset.\n````',
    );
    expect(reply).toContain('cases of kind billing failed: added "Quote the invoice."');
    expect(reply).not.toContain('Only in review.');
  });

  it('without skill or feedback adds a general instruction; its faults are prose, nothing and lost references', () => {
    const none = simulatedProposal(
      readProposerRequest(request(FAILING))!,
      TASK,
      { ...PERFECT, skill: 0 },
      createSeededRandom(2),
    );
    expect(none).toContain('nothing specific found: added a general instruction');
    expect(none).toContain('{{#start.q#}}');
    const blind = simulatedProposal(
      readProposerRequest(request(''))!,
      TASK,
      PERFECT,
      createSeededRandom(3),
    );
    expect(blind).toMatch(/a rewrite: added "(Quote the invoice\.|Explain the reset\.)"/);
    const r = createSeededRandom(4);
    expect(
      simulatedProposal(
        readProposerRequest(request(FAILING))!,
        TASK,
        { ...PERFECT, emptyRate: 1 },
        r,
      ),
    ).toBe('');
    expect(
      simulatedProposal(
        readProposerRequest(request(FAILING))!,
        TASK,
        { ...PERFECT, proseRate: 1 },
        r,
      ),
    ).toMatch(/^I would make the prompt clearer\./);
    const dropped = simulatedProposal(
      readProposerRequest(request(FAILING))!,
      TASK,
      { ...PERFECT, dropReferenceRate: 1 },
      r,
    );
    expect(dropped).not.toContain('{{#start.q#}}');
    expect(dropped).toContain('Quote the invoice.');
  });

  it('with noise drops an instruction the prompt had, or adds a stray one', () => {
    const had = request(FAILING).replace(
      'Answer {{#start.q#}}.',
      'Answer {{#start.q#}}. Quote the invoice.',
    );
    const seen = new Set<string>();
    for (let seed = 1; seed < 40; seed += 1) {
      const reply = simulatedProposal(
        readProposerRequest(had)!,
        TASK,
        { ...PERFECT, skill: 0, noise: 1 },
        createSeededRandom(seed),
      );
      if (reply.includes('dropped "Quote the invoice."')) seen.add('dropped');
      if (reply.includes('a stray thought')) seen.add('stray');
    }
    expect(seen).toEqual(new Set(['dropped', 'stray']));
  });
});
