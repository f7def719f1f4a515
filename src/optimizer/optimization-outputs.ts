import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { patchPrompts } from '../dify/prompt-slots.js';
import { meanScore } from './candidate-pool.js';
import type { OptimizationOutcome } from './optimize.js';
import { optimizationReportHtml } from './optimization-report.js';

/** The `optimize --json` object and `optimize.json` (the optimizer spec, §3), exactly. */
export interface OptimizeJson {
  readonly optimization_id: string;
  readonly workflow: string;
  readonly strategy: string;
  readonly accepted: boolean;
  readonly reason: string;
  readonly baseline: { readonly validation: number; readonly heldout: number };
  readonly best: {
    readonly candidate_id: string;
    readonly validation: number;
    readonly heldout: number | null;
  };
  readonly p_value: number | null;
  readonly runs_used: number;
  readonly budget: { readonly runs: number };
  readonly proposer_calls: number;
  readonly candidates: number;
  readonly applied: boolean;
  readonly published: boolean;
  readonly dsl_path: string;
  readonly diff_path: string;
  readonly report_path: string;
}

const round = (value: number): number => Number(value.toFixed(4));

/** The prompts the outcome applies: the pick's, when it was accepted; else none. */
export function appliedPrompts(outcome: OptimizationOutcome): Readonly<Record<string, string>> {
  return outcome.accepted ? outcome.search.best.prompts : {};
}

/** A unified diff of the pick's prompts against the app's (every target it changed). */
export function promptDiff(outcome: OptimizationOutcome): string {
  const { best } = outcome.search;
  const header = outcome.accepted
    ? `# ${best.id}: accepted (${outcome.reason})\n`
    : `# ${best.id}: not applied (${outcome.reason})\n`;
  return (
    header +
    outcome.targets
      .filter((slot) => best.prompts[slot.address] !== undefined)
      .map((slot) =>
        createTwoFilesPatch(
          `a/${slot.address}`,
          `b/${slot.address}`,
          `${slot.text}\n`,
          `${best.prompts[slot.address] ?? slot.text}\n`,
        ),
      )
      .join('')
  );
}

/**
 * Writes an optimization's files to `dir`: the patched DSL (only accepted prompts differ from the
 * export), the prompt diff, the HTML report and `optimize.json`; gives the JSON object.
 */
export async function writeOptimizationOutputs(
  outcome: OptimizationOutcome,
  dir: string,
  state: { readonly applied: boolean; readonly published: boolean },
): Promise<OptimizeJson> {
  await mkdir(dir, { recursive: true });
  const dslPath = join(dir, 'optimized.dsl.yml');
  const diffPath = join(dir, 'prompts.diff');
  const reportPath = join(dir, 'report.html');
  const patched = outcome.source.clone();
  patchPrompts(patched, appliedPrompts(outcome));
  const { best } = outcome.search;
  const json: OptimizeJson = {
    optimization_id: outcome.id,
    workflow: outcome.settings.workflow,
    strategy: outcome.settings.strategy,
    accepted: outcome.accepted,
    reason: outcome.reason,
    baseline: {
      validation: round(outcome.baseline.validation),
      heldout: round(outcome.baseline.heldout),
    },
    best: {
      candidate_id: best.id,
      validation: round(meanScore(best)),
      heldout: outcome.bestHeldout === undefined ? null : round(outcome.bestHeldout),
    },
    p_value: outcome.verdict === undefined ? null : Number(outcome.verdict.pValue.toPrecision(4)),
    runs_used: outcome.runsUsed,
    budget: { runs: outcome.settings.budget.runs },
    proposer_calls: outcome.proposerCalls,
    candidates: outcome.search.events.filter((e) => e.text !== undefined).length,
    applied: state.applied,
    published: state.published,
    dsl_path: dslPath,
    diff_path: diffPath,
    report_path: reportPath,
  };
  await writeFile(dslPath, patched.toString());
  await writeFile(diffPath, promptDiff(outcome));
  await writeFile(reportPath, optimizationReportHtml(outcome, json));
  await writeFile(join(dir, 'optimize.json'), `${JSON.stringify(json, null, 2)}\n`);
  return json;
}
