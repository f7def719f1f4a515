import type { Assertion, Score } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { outputJson } from './output-text.js';

/** `is_json`: the output is JSON (an object output, or text that parses). */
export const isJson: Assertion<ConfigOf<'is_json'>> = {
  defaultThreshold: 1,
  compile() {
    return (input): Score => {
      const parsed = outputJson(input.output);
      return parsed.ok
        ? { score: 1, pass: true, reason: 'is JSON' }
        : { score: 0, pass: false, reason: parsed.reason };
    };
  },
};
