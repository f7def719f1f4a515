import { describe, expect, it } from 'vitest';
import { fenceFor, proposedText, readProposal } from './proposal-reply.js';

const prompt = {
  field: 'user' as const,
  references: ['{{#start.q#}}'],
  parent: 'Answer {{#start.q#}}',
  earlier: new Set(['Answer briefly: {{#start.q#}}']),
};

describe('proposedText', () => {
  it('takes the last fenced block, tolerating prose, or the whole reply without one', () => {
    expect(
      proposedText(
        'Here it is:\n```\nfirst\n```\nBetter:\n```text\nBe kind.\n{{#start.q#}}\n```\nDone.',
      ),
    ).toBe('Be kind.\n{{#start.q#}}');
    expect(proposedText('````\nuse ``` inside\n````')).toBe('use ``` inside');
    expect(proposedText('~~~\ntilde\n~~~')).toBe('tilde');
    expect(proposedText('\n  Just the prompt.\n')).toBe('  Just the prompt.');
  });
});

describe('readProposal', () => {
  const read = (content: string | null, finishReason: string | null = 'stop') =>
    readProposal({ content, finishReason }, prompt);

  it('takes a new text that keeps every reference', () => {
    expect(read('```\nAnswer kindly: {{#start.q#}}\n```')).toEqual({
      ok: true,
      text: 'Answer kindly: {{#start.q#}}',
    });
  });

  it('refuses, naming why: cut short, empty, unchanged, already tried, references changed', () => {
    expect(read('```\nAnswer kindly: {{#start.q#}}', 'length')).toMatchObject({
      ok: false,
      kind: 'truncated',
    });
    expect(read(null)).toMatchObject({ ok: false, kind: 'empty' });
    expect(read('```\n\n```')).toMatchObject({ ok: false, kind: 'empty' });
    expect(read('```\nAnswer {{#start.q#}}\n```')).toMatchObject({ ok: false, kind: 'unchanged' });
    expect(read('Answer briefly: {{#start.q#}}')).toMatchObject({ ok: false, kind: 'repeated' });
    expect(read('```\nAnswer kindly.\n```')).toEqual({
      ok: false,
      kind: 'references',
      reason: 'the new text drops {{#start.q#}}; keep every reference of the original exactly',
    });
  });
});

describe('fenceFor', () => {
  it('is longer than any run of backticks in the text', () => {
    expect(fenceFor('plain')).toBe('```');
    expect(fenceFor('a ``` b ````` c')).toBe('``````');
  });
});
