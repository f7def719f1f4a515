import { defineConfig } from 'vitest/config';

// The optimizer's unit tests, for its mutation run (stryker.optimizer.config.json). The
// composition (optimize, the evaluator, the targets, apply) is tested over loopback in
// test/optimize.test.ts, too slow to run once per mutant.
export default defineConfig({
  test: {
    include: [
      'src/optimizer/**/*.test.ts',
      'src/simulator/sim-proposer.test.ts',
      'src/stats/**/*.test.ts',
    ],
  },
});
