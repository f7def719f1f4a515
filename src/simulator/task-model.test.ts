import { describe, expect, it } from 'vitest';
import { SimDsl } from './sim-dsl.js';
import { promptTexts, taskAnswer, taskProbability, type TaskModel } from './task-model.js';

const model: TaskModel = {
  input: 'kind',
  base: 0.2,
  temperature: 0,
  rules: [
    { kind: 'refund', instruction: 'Mention the 30-day window', gain: 0.6, hurts: [], penalty: 0 },
    {
      kind: 'shipping',
      instruction: 'Always give the tracking link',
      gain: 0.5,
      hurts: ['refund'],
      penalty: 0.3,
    },
    { kind: 'tone', instruction: 'be warm', gain: 0.4, hurts: [], penalty: 0, node: 'second' },
  ],
};

const prompts = (first: string, second = '') =>
  new Map([
    ['first', first],
    ['second', second],
  ]);

describe('taskProbability', () => {
  it('starts at the base with no relevant instruction, for every kind', () => {
    expect(taskProbability(model, prompts('You help customers.'), 'refund')).toBeCloseTo(0.2, 10);
    expect(taskProbability(model, prompts('You help customers.'), 'other')).toBeCloseTo(0.2, 10);
  });

  it("adds the gain of the kind's own instruction, found whatever its case", () => {
    expect(taskProbability(model, prompts('mention the 30-DAY window.'), 'refund')).toBeCloseTo(
      0.8,
      10,
    );
    expect(taskProbability(model, prompts('mention the 30-day window.'), 'shipping')).toBeCloseTo(
      0.2,
      10,
    );
  });

  it('takes the penalty of a conflicting instruction: helping one kind hurts another', () => {
    const both = prompts('Mention the 30-day window. Always give the tracking link.');
    expect(taskProbability(model, both, 'refund')).toBeCloseTo(0.5, 10);
    expect(taskProbability(model, both, 'shipping')).toBeCloseTo(0.7, 10);
  });

  it("counts a node's rule only in that node's prompt", () => {
    expect(taskProbability(model, prompts('be warm'), 'tone')).toBeCloseTo(0.2, 10);
    expect(taskProbability(model, prompts('', 'Be warm.'), 'tone')).toBeCloseTo(0.6, 10);
  });

  it('keeps the chance within 2-98% and draws it towards a coin toss by the temperature', () => {
    const sure = { ...model, base: 0.9 };
    expect(taskProbability(sure, prompts('Mention the 30-day window'), 'refund')).toBeCloseTo(
      0.98,
      10,
    );
    const hopeless = { ...model, base: 0 };
    expect(
      taskProbability(hopeless, prompts('Always give the tracking link'), 'refund'),
    ).toBeCloseTo(0.02, 10);
    const warm = { ...model, temperature: 0.5 };
    expect(taskProbability(warm, prompts(''), 'refund')).toBeCloseTo(0.35, 10);
  });
});

describe('promptTexts and taskAnswer', () => {
  const dsl = new SimDsl(`app: {name: t, mode: workflow}
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
      - {id: start, data: {type: start, title: Start, variables: []}}
      - id: first
        data: {type: llm, title: A, prompt_template: [{role: system, text: 'Mention the 30-day window'}, {role: user, text: '{{#start.q#}}'}]}
      - {id: pick, data: {type: question-classifier, title: P, instruction: 'Sort it', classes: []}}
      - {id: end, data: {type: end, title: End, outputs: []}}
    edges: [{source: start, target: first}, {source: first, target: pick}, {source: pick, target: end}]
`);

  it("reads every prompt of an app's nodes, unrendered", () => {
    expect(promptTexts(dsl)).toEqual(
      new Map([
        ['first', 'Mention the 30-day window\n{{#start.q#}}'],
        ['pick', 'Sort it'],
      ]),
    );
    const chat = new SimDsl(
      'app: {name: c, mode: chat}\nkind: app\nmodel_config: {pre_prompt: "Be kind."}\n',
    );
    expect(promptTexts(chat)).toEqual(new Map([['pre_prompt', 'Be kind.']]));
  });

  it('answers right when the draw falls under the chance, and says nothing without a kind', () => {
    expect(taskAnswer(model, dsl, { kind: 'refund' }, () => 0.79)).toBe('refund: resolved');
    expect(taskAnswer(model, dsl, { kind: 'refund' }, () => 0.81)).toBe('refund: unresolved');
    expect(taskAnswer(model, dsl, { kind: 'shipping' }, () => 0.19)).toBe('shipping: resolved');
    expect(taskAnswer(model, dsl, { q: 'x' }, () => 0)).toBeUndefined();
    expect(taskAnswer(model, dsl, { kind: '' }, () => 0)).toBeUndefined();
  });
});
