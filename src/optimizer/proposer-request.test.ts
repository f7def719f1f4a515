import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DslDocument } from '../dify/dsl-document.js';
import { promptSlots } from '../dify/prompt-slots.js';
import { proposalMessages, promptPlace, retryMessages } from './proposer-request.js';

const twoStep = DslDocument.parse(readFileSync('bench/optimizer/two-step.yml', 'utf8'));
const chat = DslDocument.parse(
  'app: {name: helper, mode: chat}\nkind: app\nversion: 0.3.1\nmodel_config: {pre_prompt: "Be polite about {{topic}}"}\n',
);

describe('the proposer request', () => {
  it('says where a prompt sits: its node, what feeds it, what reads what it makes', () => {
    const [draft, review] = promptSlots(twoStep);
    expect(promptPlace(twoStep, draft!)).toEqual({
      node: '"Draft" (llm, draft)',
      fedBy: [
        '{{#start_node.kind#}} from "Start" (start, start_node)',
        '{{#start_node.question#}} from "Start" (start, start_node)',
        'runs after "Start" (start, start_node)',
      ],
      readBy: ['read by "Review" (llm, review)', 'followed by "Review" (llm, review)'],
    });
    expect(promptPlace(twoStep, review!).readBy).toEqual([
      'read by "End" (end, end_node)',
      'followed by "End" (end, end_node)',
    ]);
    const [pre] = promptSlots(chat);
    expect(promptPlace(chat, pre!)).toEqual({
      node: "the chat app's pre-prompt",
      fedBy: [],
      readBy: [],
    });
  });

  it('holds the text in a fence longer than its backticks, the references, and every case', () => {
    const [draft] = promptSlots(twoStep);
    const text = 'Use ```code``` and {{#start_node.kind#}} {{#start_node.question#}}';
    const [system, user] = proposalMessages({
      appName: 'support [dify-autoopt ab12]',
      slot: draft!,
      place: promptPlace(twoStep, draft!),
      text,
      cases: [
        {
          inputs: { kind: 'billing' },
          query: 'why?',
          output: 'billing: unresolved',
          expected: 'billing: resolved',
          passed: false,
          grades: [{ name: 'resolved', pass: false, reason: 'no match\nat all' }],
          nodeOutput: 'a draft',
        },
        {
          inputs: { kind: 'login' },
          query: undefined,
          output: 'x'.repeat(700),
          expected: { any: 1 },
          passed: true,
          grades: [{ name: 'resolved', pass: true, reason: '' }],
          nodeOutput: undefined,
        },
      ],
    });
    expect(system?.role).toBe('system');
    expect(system?.content).toContain('Keep every {{#…#}} reference exactly');
    expect(system?.content).toContain('do not copy facts');
    expect(user?.content.split('\n')).toEqual([
      'App: support [dify-autoopt ab12]',
      'Prompt to improve: draft.system (the system prompt of "Draft" (llm, draft))',
      'Input: {{#start_node.kind#}} from "Start" (start, start_node)',
      'Input: {{#start_node.question#}} from "Start" (start, start_node)',
      'Input: runs after "Start" (start, start_node)',
      'Output: read by "Review" (llm, review)',
      'Output: followed by "Review" (llm, review)',
      'References to keep exactly: {{#start_node.kind#}}, {{#start_node.question#}}',
      '',
      'Current text:',
      '````',
      text,
      '````',
      '',
      'Cases from a training batch (2):',
      '### Case 1',
      'Inputs: {"kind":"billing"}',
      'Query: why?',
      'Output: billing: unresolved',
      "This prompt's node produced: a draft",
      'Expected: billing: resolved',
      'Verdict: failed',
      '- resolved: fail (no match at all)',
      '### Case 2',
      'Inputs: {"kind":"login"}',
      `Output: ${'x'.repeat(600)}…`,
      'Expected: {"any":1}',
      'Verdict: passed',
      '- resolved: pass',
    ]);
  });

  it('asks for a blind rewrite without cases, and retries naming the refusal', () => {
    const [pre] = promptSlots(chat);
    const messages = proposalMessages({
      appName: 'helper',
      slot: pre!,
      place: promptPlace(chat, pre!),
      text: 'Be polite about {{topic}}',
      cases: undefined,
    });
    expect(messages[1]?.content).toContain('References to keep exactly: {{topic}}');
    expect(messages[1]?.content.endsWith('No example cases are given.')).toBe(true);
    expect(
      proposalMessages({
        appName: 'a',
        slot: { ...pre!, references: [] },
        place: promptPlace(chat, pre!),
        text: 'x',
        cases: [],
      })[1]?.content,
    ).toContain('References to keep exactly: (none)');
    const retry = retryMessages(messages, 'prose', 'the new text drops {{topic}}');
    expect(retry.slice(0, 2)).toEqual(messages);
    expect(retry[2]).toEqual({ role: 'assistant', content: 'prose' });
    expect(retry[3]?.content).toBe(
      'That reply cannot be used: the new text drops {{topic}}. Write the complete new prompt again, keeping every {{#…#}} reference exactly, in one fenced code block.',
    );
  });
});
