import type { Assertion, Score } from './assertion.js';
import { AssertionError } from './assertion-error.js';
import type { ConfigOf } from './config-of.js';
import { fillPlaceholders } from './expected-value.js';
import { outputText } from './output-text.js';

/**
 * `llm_judge`: an OpenAI-compatible model grades the output against the rubric (placeholders
 * such as `{{inputs.question}}` filled); the score is the judge's, the reason its rationale.
 */
export const llmJudge: Assertion<ConfigOf<'llm_judge'>> = {
  defaultThreshold: 0.5,
  compile(config) {
    return async (input, context): Promise<Score> => {
      if (context.judge === undefined)
        throw new AssertionError(
          'E_JUDGE_MISSING',
          'llm_judge',
          'no `judge` endpoint is configured',
        );
      const verdict = await context.judge.judge(
        fillPlaceholders(config.value, input),
        outputText(input.output),
        { signal: context.signal },
      );
      return { score: verdict.score, reason: verdict.reason };
    };
  },
};
