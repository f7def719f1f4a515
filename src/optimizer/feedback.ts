import { asArray, asObject, asText } from '../core/json-value.js';
import type { PromptSlot } from '../dify/prompt-slots.js';
import type { CaseRun } from './evaluator.js';
import type { FeedbackCase } from './proposer-request.js';

/** What a result's output was: its answer, else its outputs, else the error it ended with. */
function outputOf(run: CaseRun): string {
  const { record } = run;
  if (record.answer !== null && record.answer !== '') return record.answer;
  if (record.outputs !== null && record.outputs !== undefined)
    return JSON.stringify(record.outputs);
  return `(no output: ${record.errorCode ?? record.status}${record.errorMessage === null ? '' : `: ${record.errorMessage}`})`;
}

/** What the prompt's own node produced in the run, from the node traces. */
function nodeOutput(run: CaseRun, slot: PromptSlot): string | undefined {
  if (slot.nodeId === undefined) return undefined;
  const node = asArray(run.record.nodes)
    .map((n) => asObject(n) ?? {})
    .find((n) => n.nodeId === slot.nodeId);
  const outputs = asObject(node?.outputs);
  if (outputs === undefined) return undefined;
  return typeof outputs.text === 'string' ? outputs.text : JSON.stringify(outputs);
}

/**
 * The proposer's view of a minibatch: each case's inputs, output, expected value, verdict, each
 * assertion's pass and reason (a judge's rationale is its reason), and the prompt node's own
 * output (credit per node, not only the final answer).
 */
export function feedbackOf(runs: readonly CaseRun[], slot: PromptSlot): FeedbackCase[] {
  return runs.map((run) => ({
    inputs: run.planned.inputs,
    query: run.planned.query,
    output: outputOf(run),
    expected: run.planned.reference ?? '(graded by the assertions below)',
    passed: run.record.passed === true,
    grades: asArray(run.record.grades).map((g) => {
      const grade = asObject(g) ?? {};
      return {
        name: asText(grade.name, asText(grade.type, 'assertion')),
        pass: grade.pass === true,
        reason: asText(grade.reason, ''),
      };
    }),
    nodeOutput: nodeOutput(run, slot),
  }));
}
