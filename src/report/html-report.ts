import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { answeredLatencyMs } from '../store/result-facts.js';
import type { CaseChange } from './compare-runs.js';
import { escapeHtml } from './escape-html.js';
import { percent } from './percent.js';
import { HTML_REPORT_SCRIPT } from './html-report-script.js';
import { variantsSection } from './html-variants.js';
import { ROW_COLUMNS, reportRows } from './report-rows.js';
import type { ReportWriter } from './report-writer.js';
import type { RunReport } from './run-report.js';

let chartJs: string | undefined;

/** Chart.js's standalone build, read once from the installed package to be inlined. */
function chartLibrary(): string {
  if (chartJs === undefined) {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    chartJs = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
  }
  return chartJs;
}

/** JSON safe inside a `<script>` element. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** Latency histogram: up to 20 equal bins between the fastest and the slowest case. */
export function latencyHistogram(latencies: readonly number[]): {
  labels: string[];
  counts: number[];
} {
  if (latencies.length === 0) return { labels: [], counts: [] };
  // A loop, not Math.min(...): a large run has more values than a call takes arguments.
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of latencies) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  const bins = Math.max(1, Math.min(20, Math.ceil(Math.sqrt(latencies.length))));
  const width = (max - min) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const value of latencies) {
    const bin = Math.min(bins - 1, Math.floor((value - min) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const labels = counts.map(
    (_, i) =>
      `${String(Math.round(min + i * width))}–${String(Math.round(min + (i + 1) * width))} ms`,
  );
  return { labels, counts };
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#b8c0cc}
main{padding:20px 28px;max-width:1400px}section{background:#fff;border-radius:8px;padding:16px 20px;margin:0 0 18px;box-shadow:0 1px 2px #0001}
h2{font-size:16px;margin:0 0 12px}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px}
.card{background:#f5f6f8;border-radius:6px;padding:10px 12px}.card b{display:block;font-size:20px}.card span{color:#5b6474;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:18px}.chart{position:relative;height:260px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #e3e6eb;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#eef0f4;white-space:nowrap}#results th{cursor:pointer;position:sticky;top:0}tr.fail td:nth-child(6){color:#b3261e;font-weight:600}tr.pass td:nth-child(6){color:#1a7f4b}
td.long{max-width:340px;white-space:pre-wrap;word-break:break-word}.tools{display:flex;gap:10px;align-items:center;margin:0 0 10px}
.grade-excellent,.grade-good{color:#1a7f4b}.grade-fair{color:#a66300}.grade-poor{color:#b3261e}.muted{color:#5b6474}
`;

function card(id: string, label: string, value: string): string {
  return `<div class="card"><b id="${id}">${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

const ms = (value: number | undefined): string =>
  value === undefined ? '—' : `${String(Math.round(value))} ms`;

function comparisonSection(report: RunReport): string {
  const c = report.comparison;
  if (c === undefined)
    return '<section id="comparison"><h2>Comparison</h2><p class="muted">No previous run of this configuration to compare with.</p></section>';
  const list = (title: string, items: readonly CaseChange[]) =>
    items.length === 0
      ? ''
      : `<h3>${escapeHtml(title)} (${String(items.length)})</h3><ul>${items
          .slice(0, 50)
          .map((item) => `<li>${escapeHtml(item.workflowId)} · ${escapeHtml(item.caseId)}</li>`)
          .join('')}</ul>`;
  return `<section id="comparison"><h2>Comparison with the previous run ${escapeHtml(c.baseRunId)}</h2>
<div class="cards">${card('cmp-base', 'previous pass rate', percent(c.basePassRate))}${card('cmp-head', 'this pass rate', percent(c.headPassRate))}${card('cmp-delta', `paired difference (95% CI ${percent(c.passRateInterval[0])} … ${percent(c.passRateInterval[1])})`, `${c.passRateDelta >= 0 ? '+' : ''}${percent(c.passRateDelta)}`)}${card('cmp-p', "McNemar's p", c.pValue.toFixed(3))}${card('cmp-regressed', 'regressed', String(c.regressed.length))}${card('cmp-improved', 'improved', String(c.improved.length))}${card('cmp-latency', 'p50 latency before → after', `${ms(c.latencyMs.baseP50)} → ${ms(c.latencyMs.headP50)}`)}${card('cmp-cost', 'cost before → after', `${c.cost.base.toFixed(4)} → ${c.cost.head.toFixed(4)}`)}</div>
<div class="chart" style="height:200px;margin-top:12px"><canvas id="chart-compare"></canvas></div>${list('Regressed', c.regressed)}${list('Improved', c.improved)}</section>`;
}

/** Renders the self-contained HTML page: no network, Chart.js inlined. */
export function renderHtmlReport(report: RunReport): string {
  const { statistics, run } = report;
  const { overall } = statistics;
  const rows = reportRows(report.cases, report.results);
  const latencies = report.results.flatMap((r) => {
    const latency = answeredLatencyMs(r);
    return latency === undefined ? [] : [latency];
  });
  const slowestNodes = [...statistics.perNode]
    .filter((n) => n.elapsedMs !== undefined)
    .sort((a, b) => (b.elapsedMs?.mean ?? 0) - (a.elapsedMs?.mean ?? 0))
    .slice(0, 10)
    .map((n) => ({
      label: `${n.workflowId} · ${n.title}`,
      meanMs: Math.round(n.elapsedMs?.mean ?? 0),
    }));
  const data = {
    statistics,
    comparison: report.comparison ?? null,
    histogram: latencyHistogram(latencies),
    slowestNodes,
    columns: ROW_COLUMNS,
    rows,
  };
  const workflows = Object.entries(statistics.perWorkflow)
    .map(
      ([id, w]) =>
        `<tr><td>${escapeHtml(id)}</td><td>${String(w.total)}</td><td>${String(w.passed)}</td><td>${percent(w.passRate)}</td><td class="grade-${w.grade}">${w.grade}</td><td>${ms(w.latencyMs?.p50)}</td><td>${ms(w.latencyMs?.p95)}</td><td>${String(w.tokens)}</td><td>${w.cost.toFixed(4)}</td></tr>`,
    )
    .join('');
  const passAtK =
    statistics.repeats === undefined
      ? ''
      : card(
          'pass-at-k',
          `pass@k (k = ${statistics.repeats.passAtK.map((p) => p.k).join(', ')})`,
          statistics.repeats.passAtK.map((p) => percent(p.value)).join(' · '),
        );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>dify-autoopt run ${escapeHtml(run.id)}</title><style>${STYLE}</style></head>
<body><header><h1>dify-autoopt · run <span id="run-id">${escapeHtml(run.id)}</span></h1>
<p>${escapeHtml(run.status)} · ${escapeHtml(new Date(run.createdAt).toISOString())} · ${escapeHtml(run.configFile ?? '')} · dify-autoopt ${escapeHtml(run.toolVersion)}</p></header>
<main>
<section id="summary"><h2>Summary</h2><div class="cards">
${card('cases', 'cases', String(overall.total))}${card('passed', 'passed', String(overall.passed))}${card('pass-rate', 'pass rate', percent(overall.passRate))}${card('grade', 'grade', overall.grade)}${card('p50', 'latency p50', ms(overall.latencyMs?.p50))}${card('p95', 'latency p95', ms(overall.latencyMs?.p95))}${card('tokens', 'tokens', String(overall.tokens))}${card('cost', 'cost', overall.cost.toFixed(4))}${card('retries', 'retries', String(overall.retries))}${card('wall', 'wall time', `${(overall.wallMs / 1000).toFixed(1)} s`)}${card('throughput', 'cases per second', overall.throughputPerSecond.toFixed(1))}${passAtK}
</div>
<table style="margin-top:14px"><thead><tr><th>workflow</th><th>cases</th><th>passed</th><th>pass rate</th><th>grade</th><th>p50</th><th>p95</th><th>tokens</th><th>cost</th></tr></thead><tbody id="workflows">${workflows}</tbody></table></section>
<section><h2>Charts</h2><div class="charts">
<div><h3>Pass rate per workflow</h3><div class="chart"><canvas id="chart-workflows"></canvas></div></div>
<div><h3>Pass rate per assertion</h3><div class="chart"><canvas id="chart-assertions"></canvas></div></div>
<div><h3>Latency distribution</h3><div class="chart"><canvas id="chart-latency"></canvas></div></div>
<div><h3>Tokens and cost per workflow</h3><div class="chart"><canvas id="chart-cost"></canvas></div></div>
<div><h3>Slowest nodes (mean)</h3><div class="chart"><canvas id="chart-nodes"></canvas></div></div>
</div></section>
${variantsSection(statistics.variants)}
${comparisonSection(report)}
<section><h2>Results</h2><div class="tools"><input id="filter" type="search" placeholder="Filter cases, inputs, outputs, reasons…" size="40">
<select id="verdict"><option value="all">all</option><option value="pass">passed</option><option value="fail">not passed</option></select>
<button id="prev" type="button">‹</button><button id="next" type="button">›</button><span id="shown" class="muted"></span></div>
<div style="overflow:auto;max-height:720px"><table id="results"><thead><tr></tr></thead><tbody></tbody></table></div></section>
</main>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${chartLibrary().replace(/<\/script/gi, '<\\/script')}</script>
<script>${HTML_REPORT_SCRIPT}</script>
</body></html>
`;
}

/** HTML: one self-contained page. */
export const htmlReport: ReportWriter = {
  render: renderHtmlReport,
};
