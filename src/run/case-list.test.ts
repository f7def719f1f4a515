import { describe, expect, it } from 'vitest';
import type { CaseBase } from '../config/expand-cases.js';
import { caseList, filterCases } from './case-list.js';

const bases: CaseBase[] = [
  { stem: 'wf:aaa', index: 1, inputs: { q: 'a' }, query: undefined, reference: 'A' },
  { stem: 'wf:bbb', index: 2, inputs: { q: 'b' }, query: 'hi', reference: null },
];

describe('caseList', () => {
  it('makes every repeat of every base, positioned from the first position, and counts them', () => {
    const list = caseList(bases, { repeat: 2, workflowId: 'wf', variant: 'v', firstPosition: 10 });
    expect(list.count).toBe(4);
    expect([...list]).toEqual([
      {
        caseId: 'wf:aaa:r1',
        position: 10,
        workflowId: 'wf',
        variant: 'v',
        caseIndex: 1,
        repeatIndex: 0,
        inputs: { q: 'a' },
        query: undefined,
        reference: 'A',
      },
      {
        caseId: 'wf:aaa:r2',
        position: 11,
        workflowId: 'wf',
        variant: 'v',
        caseIndex: 1,
        repeatIndex: 1,
        inputs: { q: 'a' },
        query: undefined,
        reference: 'A',
      },
      {
        caseId: 'wf:bbb:r1',
        position: 12,
        workflowId: 'wf',
        variant: 'v',
        caseIndex: 2,
        repeatIndex: 0,
        inputs: { q: 'b' },
        query: 'hi',
        reference: null,
      },
      {
        caseId: 'wf:bbb:r2',
        position: 13,
        workflowId: 'wf',
        variant: 'v',
        caseIndex: 2,
        repeatIndex: 1,
        inputs: { q: 'b' },
        query: 'hi',
        reference: null,
      },
    ]);
  });

  it('gives ids without a repeat suffix when each case runs once, and iterates again alike', () => {
    const list = caseList(bases, {
      repeat: 1,
      workflowId: 'wf',
      variant: undefined,
      firstPosition: 0,
    });
    const ids = [...list].map((c) => [c.caseId, c.position, c.variant]);
    expect(ids).toEqual([
      ['wf:aaa', 0, undefined],
      ['wf:bbb', 1, undefined],
    ]);
    expect([...list].map((c) => [c.caseId, c.position, c.variant])).toEqual(ids);
  });

  it('keeps only the ids `keep` takes, positions counting the kept ones', () => {
    const list = caseList(bases, {
      repeat: 2,
      workflowId: 'wf',
      variant: undefined,
      firstPosition: 5,
      keep: (id) => id.endsWith('r2'),
    });
    expect(list.count).toBe(2);
    expect([...list].map((c) => [c.caseId, c.position])).toEqual([
      ['wf:aaa:r2', 5],
      ['wf:bbb:r2', 6],
    ]);
  });

  it('holds nothing per case: each iteration makes new ones', () => {
    const list = caseList(bases, {
      repeat: 1,
      workflowId: 'wf',
      variant: undefined,
      firstPosition: 0,
    });
    const [first] = list;
    const [again] = list;
    expect(first).toEqual(again);
    expect(first).not.toBe(again);
  });
});

describe('filterCases', () => {
  it('keeps the cases it is told to, positions unchanged, counted', () => {
    const list = caseList(bases, {
      repeat: 2,
      workflowId: 'wf',
      variant: undefined,
      firstPosition: 0,
    });
    const kept = filterCases(list, (c) => c.repeatIndex === 0);
    expect(kept.count).toBe(2);
    expect([...kept].map((c) => [c.caseId, c.position])).toEqual([
      ['wf:aaa:r1', 0],
      ['wf:bbb:r1', 2],
    ]);
    expect(filterCases(list, () => false).count).toBe(0);
  });
});
