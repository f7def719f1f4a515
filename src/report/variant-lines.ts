import { percent } from './percent.js';
import type { VariantStatistics } from './variant-comparison.js';

/**
 * Variants side by side as text lines: pass rate with its 95% interval, against the first
 * variant the paired McNemar p and the cases that flipped, then tokens, p50 latency and cost.
 */
export function variantLines(variants: readonly VariantStatistics[]): string[] {
  const lines: string[] = [];
  let workflow: string | undefined;
  const width = Math.max(0, ...variants.map((v) => v.variant.length));
  for (const v of variants) {
    if (v.workflowId !== workflow) {
      workflow = v.workflowId;
      lines.push(`  variants of ${v.workflowId}:`);
    }
    const versus =
      v.vsFirst === undefined
        ? 'baseline'
        : `vs ${v.vsFirst.baseline}: p=${v.vsFirst.pValue.toFixed(3)}, ${v.vsFirst.toPass.length} now pass, ${v.vsFirst.toFail.length} now fail`;
    const p50 = v.latencyMs === undefined ? '—' : `${Math.round(v.latencyMs.p50)} ms`;
    lines.push(
      `    ${v.variant.padEnd(width)}  ${v.passed}/${v.ended} passed ${percent(v.passRate)} (95% CI ${percent(v.interval[0])}–${percent(v.interval[1])})  ${versus}  tokens ${v.tokens}, p50 ${p50}, cost ${v.cost.toFixed(6)}`,
    );
  }
  return lines;
}
