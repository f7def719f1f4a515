import { createTwoFilesPatch } from 'diff';
import { escapeHtml } from '../report/escape-html.js';
import { percent } from '../report/percent.js';
import { meanScore, paretoFront } from './candidate-pool.js';
import type { OptimizationOutcome } from './optimize.js';
import type { OptimizeJson } from './optimization-outputs.js';
import type { CandidateEvent, SearchCandidate } from './search.js';

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:1100px;color:#1d2430}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse}
td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
.ok{color:#1a7f37}.no{color:#cf222e}pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:12px}
ul.tree{list-style:none;padding-left:1.2rem}ul.tree li{margin:.15rem 0}.muted{color:#6e7781}`;

/** Score against runs spent: each validated candidate a dot, the best so far a line (SVG). */
function scoreChart(pool: readonly SearchCandidate[], budgetRuns: number): string {
  const width = 640;
  const height = 240;
  const x = (runs: number): number => 40 + (runs / Math.max(1, budgetRuns)) * (width - 60);
  const y = (score: number): number => height - 30 - score * (height - 50);
  const sorted = [...pool].sort((a, b) => a.runsAt - b.runsAt);
  let best = 0;
  const line = sorted
    .map((c) => {
      best = Math.max(best, meanScore(c));
      return `${x(c.runsAt).toFixed(1)},${y(best).toFixed(1)}`;
    })
    .join(' ');
  const dots = sorted
    .map(
      (c) =>
        `<circle cx="${x(c.runsAt).toFixed(1)}" cy="${y(meanScore(c)).toFixed(1)}" r="4" fill="#0969da"><title>${escapeHtml(`${c.id}: ${percent(meanScore(c))} after ${String(c.runsAt)} runs`)}</title></circle>`,
    )
    .join('');
  const axis = [0, 0.5, 1]
    .map((v) => `<text x="4" y="${(y(v) + 4).toFixed(1)}" font-size="11">${percent(v)}</text>`)
    .join('');
  return `<svg role="img" aria-label="validation score against runs spent" width="${String(width)}" height="${String(height)}" viewBox="0 0 ${String(width)} ${String(height)}">
<line x1="40" y1="${String(height - 30)}" x2="${String(width - 20)}" y2="${String(height - 30)}" stroke="#8c959f"/>
<text x="${String(width - 120)}" y="${String(height - 10)}" font-size="11">runs (of ${String(budgetRuns)})</text>${axis}
<polyline points="${line}" fill="none" stroke="#1a7f37" stroke-width="2"/>${dots}</svg>`;
}

/** The lineage tree from the baseline: every proposal under its parent, with what became of it. */
function lineage(events: readonly CandidateEvent[], pool: readonly SearchCandidate[]): string {
  const children = new Map<string, CandidateEvent[]>();
  for (const e of events) children.set(e.parent, [...(children.get(e.parent) ?? []), e]);
  const validated = new Set(pool.map((c) => c.id));
  const render = (id: string, depth: number): string => {
    const kids = children.get(id) ?? [];
    if (kids.length === 0 || depth > 50) return '';
    return `<ul class="tree">${kids
      .map((e) => {
        const score = e.validation === undefined ? '' : ` validation ${percent(e.validation)}`;
        const cls = e.status === 'validated' ? 'ok' : 'muted';
        return `<li><span class="${cls}">${escapeHtml(e.id)}</span> ${escapeHtml(e.target)}: ${escapeHtml(e.status)}${score} <span class="muted">${escapeHtml(e.reason)}</span>${validated.has(e.id) ? render(e.id, depth + 1) : ''}</li>`;
      })
      .join('')}</ul>`;
  };
  return `<ul class="tree"><li><b>c0</b> baseline${render('c0', 0)}</li></ul>`;
}

/** The edits from the baseline to the pick, each with the proposer's reasoning and its diff. */
function edits(outcome: OptimizationOutcome): string {
  const byId = new Map(outcome.search.pool.map((c) => [c.id, c]));
  const path: SearchCandidate[] = [];
  for (
    let c = byId.get(outcome.search.best.id);
    c !== undefined && c.parent !== undefined;
    c = byId.get(c.parent)
  )
    path.unshift(c);
  if (path.length === 0) return '<p class="muted">The pick is the baseline: no edit.</p>';
  return path
    .map((c) => {
      const parent = byId.get(c.parent ?? '');
      const slot = outcome.targets.find((s) => s.address === c.target);
      const before = parent?.prompts[c.target ?? ''] ?? slot?.text ?? '';
      const after = c.prompts[c.target ?? ''] ?? '';
      const diff = createTwoFilesPatch(c.parent ?? '', c.id, `${before}\n`, `${after}\n`);
      return `<h3>${escapeHtml(c.id)} (from ${escapeHtml(c.parent ?? '')}, ${escapeHtml(c.target ?? '')}): validation ${percent(meanScore(c))}</h3>
<p>${escapeHtml(c.reasoning === '' ? '(no reasoning given)' : c.reasoning)}</p><pre>${escapeHtml(diff)}</pre>`;
    })
    .join('');
}

/** The HTML report of an optimization: one self-contained file. */
export function optimizationReportHtml(outcome: OptimizationOutcome, json: OptimizeJson): string {
  const { search } = outcome;
  const front = paretoFront(search.pool);
  const verdictClass = outcome.accepted ? 'ok' : 'no';
  const pool = search.pool
    .map((c) => {
      const on = front.find((f) => f.candidate.id === c.id);
      return `<tr><td>${escapeHtml(c.id)}</td><td>${escapeHtml(c.parent ?? '')}</td><td>${escapeHtml(c.target ?? '')}</td><td>${percent(meanScore(c))}</td><td>${on === undefined ? '' : `on the front (best on ${String(on.weight)})`}</td><td>${String(c.runsAt)}</td></tr>`;
    })
    .join('');
  const flips = outcome.heldoutFlips
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.key)}</td><td><code>${escapeHtml(JSON.stringify(f.inputs))}</code></td><td>${f.baseline.join(' ')}</td><td>${f.best.join(' ')}</td></tr>`,
    )
    .join('');
  const heldout = json.best.heldout === null ? 'not run' : percent(json.best.heldout);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Optimization ${escapeHtml(outcome.id)}</title><style>${STYLE}</style></head><body>
<h1>Optimization ${escapeHtml(outcome.id)}: ${escapeHtml(outcome.settings.workflow)} (${escapeHtml(outcome.settings.strategy)})</h1>
<p class="${verdictClass}"><b>${outcome.accepted ? 'Accepted' : 'Not accepted'}</b>: ${escapeHtml(outcome.reason)}</p>
<table><tr><th></th><th>validation</th><th>held-out</th></tr>
<tr><td>baseline (c0)</td><td>${percent(json.baseline.validation)}</td><td>${percent(json.baseline.heldout)}</td></tr>
<tr><td>pick (${escapeHtml(json.best.candidate_id)})</td><td>${percent(json.best.validation)}</td><td>${heldout}</td></tr></table>
<p>p = ${json.p_value === null ? 'not tested' : String(json.p_value)}; runs ${String(json.runs_used)} of ${String(json.budget.runs)}; proposer calls ${String(json.proposer_calls)}; cost ${outcome.cost.toFixed(4)}; stopped because ${escapeHtml(search.stopReason)}.</p>
<h2>Validation score against runs spent</h2>${scoreChart(search.pool, outcome.settings.budget.runs)}
<h2>The pool</h2><table><tr><th>candidate</th><th>parent</th><th>edited</th><th>validation</th><th>Pareto front</th><th>runs at</th></tr>${pool}</table>
<h2>Lineage</h2>${lineage(search.events, search.pool)}
<h2>Edits of the pick</h2>${edits(outcome)}
<h2>Held-out cases that flipped</h2>${flips === '' ? '<p class="muted">None (or no held-out proof was run).</p>' : `<table><tr><th>case</th><th>inputs</th><th>baseline runs</th><th>pick runs</th></tr>${flips}</table>`}
</body></html>
`;
}
