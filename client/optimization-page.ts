import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo } from 'preact/hooks';
import { ApiError, useJson } from './api.js';
import type { OptimizationView } from './api-types.js';
import { ChartView, type ChartConfig } from './chart-view.js';
import { count, percent, pValue } from './format.js';
import { hrefOf } from './route.js';
import { Diff, Failure } from './widgets.js';

/** The candidates' validation scores against the runs spent when each was made. */
function progress(view: OptimizationView): ChartConfig {
  const validated = view.candidates.filter((c) => c.validation !== undefined);
  const baseline = view.evaluations.find((e) => e.candidateId === 'c0' && e.set === 'validation');
  const points = [
    ...(baseline === undefined ? [] : [{ x: 0, y: baseline.score * 100 }]),
    ...validated.map((c) => ({ x: c.runsAt, y: (c.validation ?? 0) * 100 })),
  ];
  let best = -Infinity;
  const front = points.map((p) => ({ x: p.x, y: (best = Math.max(best, p.y)) }));
  return {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'candidate (validation %)', data: points, backgroundColor: '#3b6fb6' },
        {
          type: 'line',
          label: 'best so far',
          data: front,
          borderColor: '#2f855a',
          stepped: true,
          pointRadius: 0,
        },
      ],
    },
    options: {
      scales: { x: { title: { display: true, text: 'runs spent' } }, y: { min: 0, max: 100 } },
    },
  };
}

function heldoutLine(o: NonNullable<OptimizationView['outcome']>): string {
  const p = o.p_value === null ? '' : `, p ${pValue(o.p_value)}`;
  return `held-out pass rate ${percent(o.baseline.heldout)} → ${percent(o.best.heldout)}${p}; validation ${percent(o.baseline.validation)} → ${percent(o.best.validation)}; ${count(o.runs_used)} of ${count(o.budget.runs)} runs spent`;
}

function Verdict({ view }: { readonly view: OptimizationView }): VNode {
  const o = view.outcome;
  if (o === null)
    return html`<p class="muted">The search is ${view.status}: no held-out verdict yet.</p>`;
  return html`<div class=${`verdict-box ${o.accepted ? 'accepted' : 'rejected'}`}>
    <b>${o.accepted ? `Accepted ${o.best.candidate_id}` : 'Kept the app as it was'}</b>: ${o.reason}
    <div>${heldoutLine(o)}</div>
  </div>`;
}

/** An optimization: the verdict, the search's progress, the Pareto pool, the lineage, each edit. */
export function OptimizationPage({
  id,
  version,
}: {
  readonly id: string;
  readonly version: number;
}): VNode {
  const loaded = useJson<OptimizationView>(`/api/optimizations/${encodeURIComponent(id)}`, version);
  const view = loaded.value;
  const chart = useMemo(() => (view === undefined ? undefined : progress(view)), [view]);
  if (view === undefined)
    return loaded.state !== 'error'
      ? html`<p class="muted">Loading optimization…</p>`
      : loaded.error instanceof ApiError && loaded.error.status === 404
        ? html`<h1>Optimization</h1>
            <p class="empty">
              ${`There is no optimization ${id} in this store: `}<code>dify-autoopt optimize</code
              >${' makes one.'}
            </p>`
        : html`<${Failure} error=${loaded.error} />`;
  const pool = ['c0', ...view.candidates.filter((c) => c.inPool).map((c) => c.id)].filter(
    (c) => c !== 'c0' || view.baselineInPool,
  );
  return html`
    <h1>
      Optimization <span class="case-id">${view.id}</span>
      <span class=${`status ${view.status}`}>${view.status}</span>
    </h1>
    <p class="muted">
      ${`${view.workflowId} · ${view.strategy} · `}<a href=${hrefOf('run', view.id)}
        >its evaluation runs</a
      >
    </p>
    <${Verdict} view=${view} />
    <div class="panels">
      <section>
        <h3>Candidates against runs spent</h3>
        ${chart === undefined ? null : html`<${ChartView} config=${chart} label="validation score against runs spent" />`}
      </section>
      <section>
        <h3>Pareto pool</h3>
        <p>${pool.length === 0 ? 'empty' : pool.join(', ')}</p>
        <p class="muted">Candidates best of all on at least one validation case.</p>
      </section>
    </div>
    <h2>Lineage</h2>
    ${
      view.candidates.length === 0
        ? html`<p class="muted">No candidates yet.</p>`
        : html`<table class="grid lineage">
            <thead>
              <tr>
                <th>Candidate</th>
                <th>Parent</th>
                <th>Prompt</th>
                <th>Status</th>
                <th class="n">Validation</th>
                <th class="n">Runs</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              ${view.candidates.map(
                (c) =>
                  html`<tr class=${c.status}>
                    <td>${c.id}${c.inPool ? html` <span class="badge">pool</span>` : null}</td>
                    <td>${c.parent}</td>
                    <td>${c.target}</td>
                    <td>${c.status}</td>
                    <td class="n">${percent(c.validation)}</td>
                    <td class="n">${count(c.runsAt)}</td>
                    <td class="reason">${c.reason}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Edits that won validation</h2>
    ${view.candidates
      .filter((c) => c.status === 'validated')
      .map(
        (c) =>
          html`<section class="edit">
            <h4>
              ${c.id}
              <span class="muted"
                >${`from ${c.parent}, ${c.target}, validation ${percent(c.validation)}`}</span
              >
            </h4>
            ${c.diff === null ? html`<p class="muted">No text kept for this edit.</p>` : html`<${Diff} parts=${c.diff} />`}
            ${c.reasoning ? html`<p class="muted reason">${c.reasoning}</p>` : null}
          </section>`,
      )}
  `;
}
