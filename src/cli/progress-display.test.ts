import { describe, expect, it } from 'vitest';
import { RunProgress } from '../run/run-progress.js';
import { progressLine } from './progress-display.js';

describe('progressLine', () => {
  it("shows a distributed run's count of results from each worker; a local run's line has none", () => {
    const progress = new RunProgress(() => 0);
    progress.begin(4);
    expect(progressLine(progress.snapshot())).not.toContain('workers');
    progress.receivedFrom('w1');
    progress.receivedFrom('w2');
    progress.receivedFrom('w1');
    expect(progressLine(progress.snapshot())).toMatch(/^3\/4 done .* · workers w1 2, w2 1$/);
  });
});
