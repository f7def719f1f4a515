import { defineConfig } from 'vitest/config';

// The tests that exercise the run pipeline and prompt variants, for their mutation run
// (stryker.pipeline.config.json): unit tests beside the code, and the variants over loopback.
export default defineConfig({
  test: {
    include: [
      'src/dify/prompt-slots.test.ts',
      'src/run/**/*.test.ts',
      'src/report/variant-comparison.test.ts',
      'src/stats/**/*.test.ts',
      'test/variants.test.ts',
      'test/console-runs.test.ts',
      'test/run-suite.test.ts',
      'test/sandbox.test.ts',
      'test/console-fixtures.test.ts',
    ],
  },
});
