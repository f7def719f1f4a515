import type { AssertionConfig, AssertionType } from './assertion-schema.js';

/** What a case produced, and what it was asked: everything an assertion may grade. */
export interface GradeInput {
  /** The graded value: the assertion's `output` field, or the whole output. */
  readonly output: unknown;
  /** A workflow's outputs (empty for chat and completion apps). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** A chat or completion app's answer. */
  readonly answer: string | undefined;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly query: string | undefined;
  /** The case's expected output, from the configuration's `reference`. */
  readonly reference: unknown;
  /** How long Dify took to answer the attempt that succeeded. */
  readonly latencyMs: number | undefined;
  readonly tokens: number | undefined;
  readonly cost: number | undefined;
}

/** A rubric grader (the `llm_judge` assertion's model), injected by whoever runs the grading. */
export interface Judge {
  /**
   * Grades an output against a rubric.
   * @throws an error with a `code` when the judge could not answer.
   */
  judge(
    rubric: string,
    output: string,
    options?: { readonly signal?: AbortSignal | undefined },
  ): Promise<Judgement>;
}

/** A judge's verdict on one output. */
export interface Judgement {
  /** 0..1. */
  readonly score: number;
  readonly reason: string;
  readonly model: string;
  /** True when the verdict came from the cache, at no cost. */
  readonly cached: boolean;
}

/** What grading may use besides the case: the judge, and a signal to stop. */
export interface GradeContext {
  readonly judge?: Judge | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** An assertion's raw verdict: a score in 0..1 and why. */
export interface Score {
  readonly score: number;
  readonly reason: string;
  /** Passes without looking at the threshold (binary assertions say it themselves). */
  readonly pass?: boolean;
}

/** One assertion's graded result, as stored with the case. */
export interface Grade {
  readonly type: AssertionType;
  /** The assertion's label in statistics and reports. */
  readonly name: string;
  readonly score: number;
  readonly pass: boolean;
  readonly weight: number;
  readonly reason: string;
  /** Set when the assertion could not be graded (a judge that failed, a throwing expression). */
  readonly errorCode?: string;
}

/** A compiled assertion: grades one case. */
export type CheckFn = (input: GradeInput, context: GradeContext) => Score | Promise<Score>;

/** An assertion type: compiles a configured assertion once, to grade many cases. */
export interface Assertion<C extends AssertionConfig = AssertionConfig> {
  /** The score needed to pass when the configuration sets no threshold. */
  readonly defaultThreshold: number;
  /** @throws AssertionError (`E_ASSERTION_INVALID`) when the configuration cannot be compiled. */
  compile(config: C): CheckFn;
}
