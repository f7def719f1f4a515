import type { AssertionConfig, AssertionType } from './assertion-schema.js';

/** The configuration of one assertion type. */
export type ConfigOf<T extends AssertionType> = Extract<AssertionConfig, { readonly type: T }>;
