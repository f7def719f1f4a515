import { describe, expect, it } from 'vitest';
import { fixture, fixtureFiles } from '../../test/support/fixtures.js';
import { DslDocument, DslError } from './dsl-document.js';

const dsls = fixtureFiles('dsl', '.yml');
const REFERENCE = /\{\{#[^#]+#\}\}/g;

describe('DslDocument', () => {
  it.each(dsls)('reads %s: mode, name, version and its prompts', (file) => {
    const dsl = DslDocument.parse(fixture(`dsl/${file}`), file);
    expect(['workflow', 'advanced-chat']).toContain(dsl.mode);
    expect(dsl.name).not.toBe('');
    expect(dsl.version).toMatch(/^\d+\.\d+\.\d+$/);
    const prompts = dsl.prompts();
    expect(prompts.length).toBeGreaterThan(0);
    for (const prompt of prompts) {
      expect(['llm', 'question-classifier', 'parameter-extractor']).toContain(prompt.nodeType);
      expect(typeof prompt.text).toBe('string');
    }
  });

  it.each(dsls)(
    'round-trips %s: every key and every {{#…#}} reference kept, only the edited prompt changed',
    (file) => {
      const text = fixture(`dsl/${file}`);
      const dsl = DslDocument.parse(text, file);
      const before = dsl.toJSON();
      const [first] = dsl.prompts();
      const untouched = DslDocument.parse(dsl.toString());
      expect(untouched.toJSON()).toEqual(before);
      dsl.setPrompt(first?.path ?? [], `${first?.text ?? ''}\nBe concise.`);
      const edited = DslDocument.parse(dsl.toString());
      const after = edited.toJSON();
      const expected = structuredClone(before) as Record<string, unknown>;
      let cursor: unknown = expected;
      const path = first?.path ?? [];
      for (const key of path.slice(0, -1))
        cursor = (cursor as Record<string | number, unknown>)[key];
      (cursor as Record<string | number, unknown>)[path.at(-1) ?? ''] =
        `${first?.text ?? ''}\nBe concise.`;
      expect(after).toEqual(expected);
      expect(JSON.stringify(after).match(REFERENCE)).toEqual(
        JSON.stringify(before).match(REFERENCE),
      );
    },
  );

  it('finds the chat prompts of an LLM node with their roles', () => {
    const dsl = DslDocument.parse(fixture('dsl/workflow-question-classifier-intent-reply.yml'));
    const prompts = dsl.prompts();
    expect(prompts.some((p) => p.nodeType === 'question-classifier' && p.role === undefined)).toBe(
      true,
    );
    expect(prompts.some((p) => p.nodeType === 'llm' && p.role === 'system')).toBe(true);
  });

  it('reads a completion-style prompt template', () => {
    const dsl = DslDocument.parse(
      'app: {mode: workflow, name: x}\nworkflow:\n  graph:\n    nodes:\n      - id: n1\n        data: {type: llm, title: L, prompt_template: {text: "Summarise {{#start.doc#}}"}}\n',
    );
    expect(dsl.prompts()).toEqual([
      {
        nodeId: 'n1',
        nodeType: 'llm',
        title: 'L',
        role: undefined,
        path: ['workflow', 'graph', 'nodes', 0, 'data', 'prompt_template', 'text'],
        text: 'Summarise {{#start.doc#}}',
      },
    ]);
  });

  it('refuses bad YAML with its line and column, and a YAML that is no app', () => {
    let error: unknown;
    try {
      DslDocument.parse('app:\n  name: x\n  mode: [unclosed\n', 'broken.yml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DslError);
    expect(error).toMatchObject({ code: 'E_DSL_INVALID', source: 'broken.yml' });
    expect((error as DslError).line).toBeGreaterThan(0);
    expect((error as DslError).column).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(/^broken\.yml:\d+:\d+: /);
    expect(() => DslDocument.parse('just: text')).toThrow(/not a Dify app DSL/);
    expect(() => DslDocument.parse('- a list')).toThrow(DslError);
  });

  it('refuses to set a prompt where there is none', () => {
    const dsl = DslDocument.parse(fixture('dsl/workflow-llm-basic.yml'));
    expect(() => {
      dsl.setPrompt(['app', 'nope'], 'x');
    }).toThrow(/no prompt text at app\.nope/);
  });
});
