import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureFiles } from '../../test/support/fixtures.js';
import { DslDocument } from './dsl-document.js';
import {
  PromptPatchError,
  checkPromptPatch,
  patchPrompts,
  promptSlots,
  referenceDifference,
  referencesIn,
} from './prompt-slots.js';

const CHAT_APP =
  'app: {name: helper, mode: chat}\nkind: app\nversion: 0.3.1\nmodel_config:\n  pre_prompt: "You are polite. Topic: {{topic}}"\n  model: {provider: openai, name: gpt-4o}\n';

/** The value at `path` of plain data, set to `value`. */
function setAt(data: unknown, path: readonly (string | number)[], value: string): void {
  let cursor = data as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  cursor[path.at(-1) ?? ''] = value;
}

describe('promptSlots', () => {
  it('addresses a basic workflow LLM by node and role, with the references of each text', () => {
    const slots = promptSlots(DslDocument.parse(fixture('dsl/workflow-llm-basic.yml')));
    expect(slots.map((s) => s.address)).toEqual(['llm_node.system', 'llm_node.user']);
    expect(slots[0]).toMatchObject({ nodeType: 'llm', field: 'system', references: [] });
    expect(slots[1]?.references).toEqual(['{{#start_node.query#}}']);
  });

  it('addresses classifier instructions and only the first message of each role', () => {
    const dsl = DslDocument.parse(fixture('dsl/workflow-question-classifier-intent-reply.yml'));
    const slots = promptSlots(dsl);
    const addresses = slots.map((s) => s.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(
      slots.some((s) => s.field === 'instruction' && s.nodeType === 'question-classifier'),
    ).toBe(true);
    expect(slots.some((s) => s.field === 'assistant')).toBe(true);
    // The first user message of each node, not the later one.
    const firstUser = dsl
      .prompts()
      .find((p) => p.nodeId === slots.find((s) => s.field === 'user')?.nodeId && p.role === 'user');
    expect(slots.find((s) => s.field === 'user')?.text).toBe(firstUser?.text);
  });

  it("addresses a chat app's pre_prompt with its {{input}} references", () => {
    const slots = promptSlots(DslDocument.parse(CHAT_APP));
    expect(slots).toEqual([
      expect.objectContaining({
        address: 'pre_prompt',
        field: 'pre_prompt',
        path: ['model_config', 'pre_prompt'],
        references: ['{{topic}}'],
      }),
    ]);
  });

  it('counts each reference once, in order of first use', () => {
    expect(referencesIn('{{#a.b#}} {{#c.d#}} {{#a.b#}} {{x}}', 'system')).toEqual([
      '{{#a.b#}}',
      '{{#c.d#}}',
    ]);
    expect(referencesIn('{{ x }} and {{#a.b#}}', 'pre_prompt')).toEqual(['{{#a.b#}}', '{{ x }}']);
  });
});

describe('patchPrompts', () => {
  it.each(fixtureFiles('dsl', '.yml'))(
    'patches every prompt of %s and only the patched strings differ',
    (file) => {
      const text = fixture(`dsl/${file}`);
      const dsl = DslDocument.parse(text, file);
      const slots = promptSlots(dsl);
      expect(slots.length).toBeGreaterThan(0);
      const patch = Object.fromEntries(
        slots.map((s) => [s.address, `${s.text}\nAnswer briefly. (${s.address})`]),
      );
      patchPrompts(dsl, patch);
      const expected = parse(text) as unknown;
      for (const slot of slots) setAt(expected, slot.path, patch[slot.address] ?? '');
      expect(parse(dsl.toString())).toEqual(expected);
    },
  );

  it('refuses a text that drops a reference, names it, and changes nothing', () => {
    const dsl = DslDocument.parse(fixture('dsl/workflow-llm-basic.yml'));
    const before = dsl.toString();
    const error = (() => {
      try {
        patchPrompts(dsl, { 'llm_node.user': 'Answer the question.' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PromptPatchError);
    expect(error).toMatchObject({
      code: 'E_PROMPT_REFERENCES',
      problems: [{ address: 'llm_node.user', missing: ['{{#start_node.query#}}'], added: [] }],
    });
    expect((error as Error).message).toContain('drops {{#start_node.query#}}');
    expect(dsl.toString()).toBe(before);
  });

  it('refuses an altered reference as one dropped and one added', () => {
    const slots = promptSlots(DslDocument.parse(fixture('dsl/workflow-llm-basic.yml')));
    expect(checkPromptPatch(slots, { 'llm_node.user': '{{#start_node.qeury#}}' })).toEqual([
      expect.objectContaining({
        kind: 'references',
        missing: ['{{#start_node.query#}}'],
        added: ['{{#start_node.qeury#}}'],
      }),
    ]);
  });

  it('refuses an address the app lacks, listing the ones it has', () => {
    const dsl = DslDocument.parse(fixture('dsl/workflow-llm-basic.yml'));
    expect(() => {
      patchPrompts(dsl, { 'llm_1.system': 'x' });
    }).toThrow(
      expect.objectContaining({
        code: 'E_PROMPT_UNKNOWN',
        message: expect.stringContaining('it has llm_node.system, llm_node.user') as string,
      }) as Error,
    );
  });

  it("patches a chat app's pre_prompt, keeping the model config", () => {
    const dsl = DslDocument.parse(CHAT_APP);
    patchPrompts(dsl, { pre_prompt: 'Be brief. Topic: {{topic}}' });
    expect(dsl.modelConfig).toEqual({
      pre_prompt: 'Be brief. Topic: {{topic}}',
      model: { provider: 'openai', name: 'gpt-4o' },
    });
  });
});

describe('prompt slots, in detail', () => {
  const APP = `app: {name: shop, mode: workflow}
kind: app
version: 0.3.1
workflow:
  graph:
    nodes:
      - id: gen
        data:
          type: llm
          title: Generate
          prompt_template:
            - {role: tool, text: 'ignored {{#x.y#}}'}
            - {role: system, text: 'Be kind.'}
            - {role: user, text: '{{#start.q#}}'}
      - id: old
        data: {type: llm, title: Old, prompt_template: {text: 'Complete {{#start.q#}}'}}
      - id: pick
        data: {type: question-classifier, title: Pick, instruction: 'Choose {{#start.q#}}', classes: []}
      - id: pull
        data: {type: parameter-extractor, title: Pull, instruction: 'Extract', parameters: []}
`;

  it('addresses each kind of node by its field, skipping roles no address names', () => {
    const slots = promptSlots(DslDocument.parse(APP));
    expect(slots.map((s) => [s.address, s.nodeType, s.title, s.field, s.references])).toEqual([
      ['gen.system', 'llm', 'Generate', 'system', []],
      ['gen.user', 'llm', 'Generate', 'user', ['{{#start.q#}}']],
      ['old.text', 'llm', 'Old', 'text', ['{{#start.q#}}']],
      ['pick.instruction', 'question-classifier', 'Pick', 'instruction', ['{{#start.q#}}']],
      ['pull.instruction', 'parameter-extractor', 'Pull', 'instruction', []],
    ]);
  });

  it("gives a pre_prompt slot the app's mode and name", () => {
    const [slot] = promptSlots(DslDocument.parse(CHAT_APP));
    expect(slot).toMatchObject({
      nodeId: undefined,
      nodeType: 'chat',
      title: 'helper',
      text: 'You are polite. Topic: {{topic}}',
    });
  });

  it('says what a new text drops and adds, in words, and nothing when they are the same', () => {
    expect(referenceDifference(['{{#a.b#}}'], 'x {{#a.b#}}', 'user')).toBeUndefined();
    expect(referenceDifference(['{{#a.b#}}'], '{{#a.b#}} {{#c.d#}}', 'user')).toEqual({
      missing: [],
      added: ['{{#c.d#}}'],
      message: 'the new text adds {{#c.d#}}; keep every reference of the original exactly',
    });
    expect(referenceDifference(['{{#a.b#}}', '{{#e.f#}}'], '{{#c.d#}}', 'user')?.message).toBe(
      'the new text drops {{#a.b#}}, {{#e.f#}} and adds {{#c.d#}}; keep every reference of the original exactly',
    );
  });

  it('puts every problem in the error, its code from the first', () => {
    const dsl = DslDocument.parse(APP);
    let error: unknown;
    try {
      patchPrompts(dsl, { 'gen.user': 'nothing', nope: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'E_PROMPT_REFERENCES' });
    expect((error as Error).message).toBe(
      'gen.user: the new text drops {{#start.q#}}; keep every reference of the original exactly; nope: the app has no prompt nope; it has gen.system, gen.user, old.text, pick.instruction, pull.instruction',
    );
    expect(
      new PromptPatchError([
        { address: 'a', kind: 'unknown', missing: [], added: [], message: 'm' },
      ]).code,
    ).toBe('E_PROMPT_UNKNOWN');
  });

  it('says an app with no prompt has none', () => {
    const empty = DslDocument.parse(
      'app: {name: e, mode: workflow}\nkind: app\nworkflow: {graph: {nodes: []}}\n',
    );
    expect(checkPromptPatch(promptSlots(empty), { 'a.system': 'x' })[0]?.message).toBe(
      'the app has no prompt a.system; it has none',
    );
  });
});
