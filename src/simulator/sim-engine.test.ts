import { describe, expect, it } from 'vitest';
import { fixture, fixtureFiles } from '../../test/support/fixtures.js';
import { SimDsl } from './sim-dsl.js';
import { renderTemplate, runGraph, simulateModel } from './sim-engine.js';

describe('the simulated model', () => {
  it('answers from its prompt alone, deterministically', () => {
    expect(simulateModel('', 'Hello  world')).toBe('Hello world');
    expect(simulateModel('Answer in UPPERCASE', 'hello')).toBe('HELLO');
    expect(
      simulateModel(
        'be brief',
        'one two three four five six seven eight nine ten eleven twelve thirteen',
      ),
    ).toBe('one two three four five six seven eight nine ten eleven twelve');
    expect(simulateModel('reply in json', 'hi')).toBe('{"answer":"hi"}');
    expect(simulateModel('You speak French and are polite', 'hi')).toBe(
      'Certainly, with pleasure: Bonjour ! hi',
    );
    expect(simulateModel('use lowercase', 'HI')).toBe('hi');
    expect(simulateModel('system only', '')).toBe('system only');
  });

  it('fills references and leaves unknown ones empty', () => {
    expect(
      renderTemplate(
        '{{#a.b#}}-{{#c.d#}}-{{#e.f#}}',
        new Map<string, unknown>([
          ['a.b', 'x'],
          ['c.d', { n: 1 }],
        ]),
      ),
    ).toBe('x-{"n":1}-');
  });
});

describe('runGraph', () => {
  it.each(fixtureFiles('dsl', '.yml'))(
    'runs every fixture DSL (%s) to outputs without throwing',
    (file) => {
      const dsl = new SimDsl(fixture(`dsl/${file}`));
      const inputs = Object.fromEntries(
        dsl.inputs().map((input) => [input.variable, `value of ${input.variable}`]),
      );
      const outcome = runGraph(dsl, inputs, { query: 'a question', user: 'u', runId: 'r' });
      expect(outcome.nodes.length).toBeGreaterThan(0);
      expect(outcome.totalTokens).toBeGreaterThan(0);
      if (dsl.mode === 'workflow') expect(Object.keys(outcome.outputs).length).toBeGreaterThan(0);
      else expect(outcome.answer).not.toBe('');
    },
  );

  it('changes its answer when the prompt of the draft changes', () => {
    const text = fixture('dsl/workflow-llm-basic.yml');
    const plain = runGraph(new SimDsl(text), { query: 'good morning' }, { user: 'u', runId: 'r' });
    const edited = text.replace(
      "text: '{{#start_node.query#}}'",
      "text: 'Answer in uppercase: {{#start_node.query#}}'",
    );
    const shouted = runGraph(
      new SimDsl(edited),
      { query: 'good morning' },
      { user: 'u', runId: 'r' },
    );
    expect(plain.outputs).toEqual({ answer: 'good morning' });
    expect(shouted.outputs).toEqual({ answer: 'ANSWER IN UPPERCASE: GOOD MORNING' });
  });
});
