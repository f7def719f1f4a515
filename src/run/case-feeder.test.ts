import { describe, expect, it } from 'vitest';
import type { CaseJob } from '../queue/case-queue.js';
import { CaseFeeder } from './case-feeder.js';
import type { PlannedCase } from './planned-case.js';

function cases(count: number): PlannedCase[] {
  return Array.from({ length: count }, (_, i) => ({
    caseId: `c${i}`,
    position: i,
    workflowId: 'wf',
    variant: undefined,
    caseIndex: i,
    repeatIndex: 0,
    inputs: {},
    query: undefined,
    reference: undefined,
  }));
}

describe('CaseFeeder', () => {
  it('keeps at most a window of jobs queued, topped up as results come, until none is left', async () => {
    const queued: CaseJob[] = [];
    const sink = {
      enqueue: (jobs: Iterable<CaseJob>): Promise<number> => {
        const added = [...jobs];
        queued.push(...added);
        return Promise.resolve(added.length);
      },
    };
    const feeder = new CaseFeeder(sink, 'run-1', cases(25), { window: 10 });
    await feeder.topUp();
    expect(queued.map((j) => j.caseId)).toEqual(cases(10).map((c) => c.caseId));
    expect(feeder.outstanding).toBe(10);
    // Nothing came back: nothing more goes in.
    await feeder.topUp();
    expect(queued).toHaveLength(10);
    feeder.settled(3);
    await feeder.topUp();
    expect(queued).toHaveLength(13);
    expect(feeder.outstanding).toBe(10);
    for (let i = 0; i < 5; i += 1) {
      feeder.settled(10);
      await feeder.topUp();
    }
    expect(queued.map((j) => j.caseId)).toEqual(cases(25).map((c) => c.caseId));
    expect(queued.every((j) => j.runId === 'run-1')).toBe(true);
    expect(feeder.outstanding).toBe(0);
  });
});
