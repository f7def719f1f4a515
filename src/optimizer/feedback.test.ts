import { describe, expect, it } from 'vitest';
import type { PromptSlot } from '../dify/prompt-slots.js';
import type { CaseRun } from './evaluator.js';
import { feedbackOf } from './feedback.js';

const SLOT = { address: 'llm.system', nodeId: 'llm', field: 'system' } as PromptSlot;

function run(
  record: Partial<CaseRun['record']>,
  reference: unknown = 'billing: resolved',
): CaseRun {
  return {
    planned: {
      caseId: 'c',
      position: 0,
      workflowId: 'w',
      variant: undefined,
      caseIndex: 1,
      repeatIndex: 0,
      inputs: { kind: 'billing' },
      query: 'q',
      reference,
    },
    record: {
      answer: null,
      outputs: null,
      status: 'succeeded',
      errorCode: null,
      errorMessage: null,
      passed: false,
      grades: null,
      nodes: null,
      ...record,
    } as CaseRun['record'],
  };
}

describe("the proposer's feedback", () => {
  it("shows each case's output, expected value, verdicts and the node's own output", () => {
    const [shown] = feedbackOf(
      [
        run({
          answer: 'billing: unresolved',
          passed: false,
          grades: [
            { type: 'regex', name: 'resolved', pass: false, reason: 'no match' },
            { type: 'llm_judge', pass: true, reason: 'polite enough' },
            'junk',
          ],
          nodes: [
            { nodeId: 'start', outputs: { q: 1 } },
            { nodeId: 'llm', outputs: { text: 'a draft' } },
          ],
        }),
      ],
      SLOT,
    );
    expect(shown).toEqual({
      inputs: { kind: 'billing' },
      query: 'q',
      output: 'billing: unresolved',
      expected: 'billing: resolved',
      passed: false,
      grades: [
        { name: 'resolved', pass: false, reason: 'no match' },
        { name: 'llm_judge', pass: true, reason: 'polite enough' },
        { name: 'assertion', pass: false, reason: '' },
      ],
      nodeOutput: 'a draft',
    });
  });

  it('falls back to the outputs, then to the error; a case graded by assertions alone says so', () => {
    const [outputs, failed, passed] = feedbackOf(
      [
        run(
          {
            answer: '',
            outputs: { answer: 'x' },
            nodes: [{ nodeId: 'llm', outputs: { class_name: 'a' } }],
          },
          null,
        ),
        run({ status: 'error', errorCode: 'E_DIFY_HTTP', errorMessage: 'boom' }),
        run({ status: 'failed', passed: true, nodes: [{ nodeId: 'llm' }] }),
      ],
      SLOT,
    );
    expect(outputs?.output).toBe('{"answer":"x"}');
    expect(outputs?.expected).toBe('(graded by the assertions below)');
    expect(outputs?.nodeOutput).toBe('{"class_name":"a"}');
    expect(failed?.output).toBe('(no output: E_DIFY_HTTP: boom)');
    expect(failed?.nodeOutput).toBeUndefined();
    expect(passed?.output).toBe('(no output: failed)');
    expect(passed?.passed).toBe(true);
    expect(passed?.nodeOutput).toBeUndefined();
    expect(
      feedbackOf([run({ answer: 'a' })], { ...SLOT, nodeId: undefined })[0]?.nodeOutput,
    ).toBeUndefined();
  });
});
