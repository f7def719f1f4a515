import type { AssertionType } from './assertion-schema.js';
import type { Assertion } from './assertion.js';
import type { ConfigOf } from './config-of.js';
import { contains } from './contains.js';
import { cost } from './cost.js';
import { equals } from './equals.js';
import { icontains } from './icontains.js';
import { isJson } from './is-json.js';
import { javascript } from './javascript.js';
import { jsonPath } from './json-path.js';
import { jsonSchema } from './json-schema.js';
import { latency } from './latency.js';
import { llmJudge } from './llm-judge.js';
import { regex } from './regex.js';
import { similar } from './similar.js';
import { startsWith } from './starts-with.js';
import { tokens } from './tokens.js';

/** Every assertion type, by the name the configuration uses. */
export const ASSERTIONS = {
  equals,
  contains,
  icontains,
  regex,
  starts_with: startsWith,
  is_json: isJson,
  json_schema: jsonSchema,
  json_path: jsonPath,
  similar,
  javascript,
  latency,
  tokens,
  cost,
  llm_judge: llmJudge,
} as const satisfies { readonly [T in AssertionType]: Assertion<ConfigOf<T>> };
