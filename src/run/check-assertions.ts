import { CaseGrader } from '../assertions/case-grader.js';
import type { Config, WorkflowConfig } from '../config/config-schema.js';

/** An assertion that cannot compile: its key path in the configuration, and why. */
export interface AssertionProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Each assertion compiled on its own, so a problem names its place. */
export function assertionProblems(config: Config): AssertionProblem[] {
  const problems: AssertionProblem[] = [];
  const compile = (assertions: WorkflowConfig['assert'], path: (string | number)[]): void => {
    assertions.forEach((assertion, index) => {
      try {
        new CaseGrader([assertion]);
      } catch (error) {
        problems.push({
          path: [...path, index],
          message: error instanceof Error ? error.message : String(error),
        });
      }
    });
  };
  compile(config.default_assert, ['default_assert']);
  config.workflows.forEach((workflow, index) => {
    compile(workflow.assert, ['workflows', index, 'assert']);
  });
  return problems;
}
