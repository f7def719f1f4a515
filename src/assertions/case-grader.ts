import type { AssertionConfig } from './assertion-schema.js';
import { asObject } from '../core/json-value.js';
import type { Assertion, CheckFn, Grade, GradeContext, GradeInput } from './assertion.js';
import { ASSERTIONS } from './assertion-registry.js';

/** What a case produced and was asked, before an output field is picked. */
export type CaseOutcome = Omit<GradeInput, 'output'>;

/** A case's verdict: its weighted score, whether it passed, and every assertion's grade. */
export interface CaseVerdict {
  readonly passed: boolean;
  /** The weighted mean of the counted assertions' scores, 0..1 (1 with none). */
  readonly score: number;
  readonly grades: readonly Grade[];
}

/** An assertion's label in statistics: its name, else its type and output field. */
export function assertionLabel(config: AssertionConfig): string {
  if (config.name !== undefined) return config.name;
  const base = config.not ? `not ${config.type}` : config.type;
  return config.output === undefined ? base : `${base}(${config.output})`;
}

/**
 * The graded value: the named output field (`answer` is a chat app's answer); without one, a
 * chat or completion app's answer, a workflow's only output field, or all its outputs.
 */
export function pickOutput(
  outcome: Pick<CaseOutcome, 'outputs' | 'answer'>,
  field: string | undefined,
): unknown {
  const outputs = asObject(outcome.outputs) ?? {};
  if (field !== undefined)
    return field === 'answer' && !('answer' in outputs) ? outcome.answer : outputs[field];
  const keys = Object.keys(outputs);
  if (keys.length === 0) return outcome.answer;
  return keys.length === 1 ? outputs[keys[0] as string] : outputs;
}

interface Compiled {
  readonly config: AssertionConfig;
  readonly label: string;
  readonly threshold: number | undefined;
  readonly defaultThreshold: number;
  readonly check: CheckFn;
}

/**
 * Grades cases against a workflow's assertions, compiled once. A case passes when its weighted
 * score reaches `threshold`, or, without one, when every counted assertion passes.
 */
export class CaseGrader {
  readonly #assertions: readonly Compiled[];
  readonly #threshold: number | undefined;

  /** @throws AssertionError (`E_ASSERTION_INVALID`) when an assertion cannot be compiled. */
  constructor(
    assertions: readonly AssertionConfig[],
    options: { readonly threshold?: number | undefined } = {},
  ) {
    this.#threshold = options.threshold;
    this.#assertions = assertions.map((config) => {
      const type = ASSERTIONS[config.type] as Assertion;
      return {
        config,
        label: assertionLabel(config),
        threshold: config.threshold,
        defaultThreshold: type.defaultThreshold,
        check: type.compile(config),
      };
    });
  }

  /** True when some assertion needs the judge. */
  get usesJudge(): boolean {
    return this.#assertions.some((a) => a.config.type === 'llm_judge');
  }

  /** Grades one case; an assertion that throws fails with its error, the others still grade. */
  async grade(outcome: CaseOutcome, context: GradeContext = {}): Promise<CaseVerdict> {
    const grades = await Promise.all(
      this.#assertions.map((a) => this.#gradeOne(a, outcome, context)),
    );
    let weight = 0;
    let weighted = 0;
    let allPass = true;
    for (const grade of grades) {
      if (grade.weight === 0) continue;
      weight += grade.weight;
      weighted += grade.weight * grade.score;
      allPass &&= grade.pass;
    }
    const score = weight === 0 ? 1 : weighted / weight;
    const passed = this.#threshold === undefined ? allPass : score >= this.#threshold;
    return { passed, score, grades };
  }

  async #gradeOne(a: Compiled, outcome: CaseOutcome, context: GradeContext): Promise<Grade> {
    const { config } = a;
    const base = { type: config.type, name: a.label, weight: config.weight };
    try {
      const raw = await a.check(
        { ...outcome, output: pickOutput(outcome, config.output) },
        context,
      );
      const score = config.not ? 1 - raw.score : raw.score;
      const judged = raw.pass === undefined ? undefined : config.not ? !raw.pass : raw.pass;
      const pass =
        a.threshold !== undefined ? score >= a.threshold : (judged ?? score >= a.defaultThreshold);
      return { ...base, score, pass, reason: config.not ? `not: ${raw.reason}` : raw.reason };
    } catch (error) {
      if (context.signal?.aborted === true) throw error;
      const code = (error as { code?: unknown }).code;
      return {
        ...base,
        score: 0,
        pass: false,
        reason: error instanceof Error ? error.message : String(error),
        errorCode: typeof code === 'string' ? code : 'E_ASSERTION_FAILED',
      };
    }
  }
}
