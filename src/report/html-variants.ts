import { escapeHtml } from './escape-html.js';
import { percent } from './percent.js';
import type { VariantStatistics } from './variant-comparison.js';

/** A few case ids, and how many more. */
function some(ids: readonly string[]): string {
  if (ids.length === 0) return '—';
  const shown = ids.slice(0, 5).map(escapeHtml).join(', ');
  return ids.length > 5 ? `${shown} and ${String(ids.length - 5)} more` : shown;
}

/**
 * The variants section of the HTML report: each workflow's variants side by side (pass rate
 * with its 95% interval, against the first variant the paired McNemar p and the flipped cases,
 * tokens, latency and cost) and a chart of them; nothing for a run without variants.
 */
export function variantsSection(variants: readonly VariantStatistics[]): string {
  if (variants.length === 0) return '';
  const rows = variants
    .map((v) => {
      const versus = v.vsFirst;
      return `<tr><td>${escapeHtml(v.workflowId)}</td><td>${escapeHtml(v.variant)}</td><td>${String(v.passed)}/${String(v.ended)}</td><td>${percent(v.passRate)}</td><td>${percent(v.interval[0])} – ${percent(v.interval[1])}</td><td>${versus === undefined ? 'baseline' : versus.pValue.toFixed(3)}</td><td>${versus === undefined ? '—' : some(versus.toPass)}</td><td>${versus === undefined ? '—' : some(versus.toFail)}</td><td>${String(v.tokens)}</td><td>${v.latencyMs === undefined ? '—' : `${String(Math.round(v.latencyMs.p50))} ms`}</td><td>${v.cost.toFixed(4)}</td></tr>`;
    })
    .join('');
  return `<section id="variants"><h2>Prompt variants</h2>
<table><thead><tr><th>workflow</th><th>variant</th><th>passed</th><th>pass rate</th><th>95% interval</th><th>McNemar p vs first</th><th>now pass</th><th>now fail</th><th>tokens</th><th>p50</th><th>cost</th></tr></thead><tbody>${rows}</tbody></table>
<div class="chart" style="height:240px;margin-top:12px"><canvas id="chart-variants"></canvas></div></section>`;
}
