import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { useJson } from './api.js';
import type { ResultRow, RunSummary } from './api-types.js';
import { CaseDrawer } from './case-drawer.js';
import { ChartView, type ChartConfig } from './chart-view.js';
import { count, interval, ms, money, percent, when } from './format.js';
import { ResultsTable } from './results-table.js';
import { go, hrefOf } from './route.js';
import { Failure } from './widgets.js';

const FILTERS = ['status', 'workflow', 'variant', 'assertion', 'q', 'sort'] as const;

function charts(summary: RunSummary): { rates: ChartConfig; latency: ChartConfig } {
  const { groups, histogram } = summary;
  return {
    rates: {
      type: 'bar',
      data: {
        labels: groups.map((g) =>
          g.variant === null ? g.workflowId : `${g.workflowId} · ${g.variant}`,
        ),
        datasets: [
          {
            label: 'pass rate %',
            data: groups.map((g) => (g.rate ?? 0) * 100),
            backgroundColor: '#2f855a',
          },
        ],
      },
      options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } },
    },
    latency: {
      type: 'bar',
      data: {
        labels: histogram.counts.map((_, i) => ms((i + 1) * histogram.width)),
        datasets: [{ label: 'cases', data: [...histogram.counts], backgroundColor: '#3b6fb6' }],
      },
      options: { plugins: { legend: { display: false } } },
    },
  };
}

function Summary({ summary }: { readonly summary: RunSummary }): VNode {
  const { run, groups, assertions, statuses, latency } = summary;
  const drawn = useMemo(() => charts(summary), [summary]);
  return html` <div class="cards">
      <div class="card">
        <b>${percent(run.rate.rate)}</b
        ><span
          >${`passed ${count(run.rate.passed)} of ${count(run.rate.ended)}`}<span class="muted"
            >${interval(run.rate.interval)}</span
          ></span
        >
      </div>
      <div class="card">
        <b>${ms(latency.p50)}</b
        ><span>p50 · p90 ${ms(latency.p90)} · p95 ${ms(latency.p95)} · p99 ${ms(latency.p99)}</span>
      </div>
      <div class="card"><b>${count(run.tokens)}</b><span>tokens · ${money(run.cost)}</span></div>
      <div class="card">
        <b>${count(run.results)} / ${count(run.cases)}</b
        ><span
          >${
            Object.entries(statuses)
              .map(([s, n]) => `${s} ${String(n)}`)
              .join(' · ') || 'no results yet'
          }</span
        >
      </div>
    </div>
    <div class="panels">
      <section>
        <h3>Pass rate by workflow and variant</h3>
        <${ChartView} config=${drawn.rates} label="pass rate by workflow and variant" />
        <table class="grid">
          <thead>
            <tr>
              <th>Workflow</th>
              <th>Variant</th>
              <th class="n">Pass rate</th>
              <th class="n">95% interval</th>
              <th class="n">Mean latency</th>
              <th class="n">Tokens</th>
            </tr>
          </thead>
          <tbody>
            ${groups.map(
              (g) =>
                html`<tr>
                  <td>${g.workflowId}</td>
                  <td>${g.variant ?? '—'}</td>
                  <td class="n">${percent(g.rate)}</td>
                  <td class="n">${interval(g.interval)}</td>
                  <td class="n">${ms(g.meanMs)}</td>
                  <td class="n">${count(g.tokens)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section>
        <h3>Latency</h3>
        <${ChartView} config=${drawn.latency} label="latency histogram" />
        <h3>Assertions</h3>
        ${
          assertions.length === 0
            ? html`<p class="muted">No assertions.</p>`
            : html`<table class="grid">
                <thead>
                  <tr>
                    <th>Assertion</th>
                    <th class="n">Pass rate</th>
                    <th class="n">Mean score</th>
                    <th class="n">Errors</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${assertions.map(
                    (a) =>
                      html`<tr>
                        <td>${a.name} <span class="muted">${a.type}</span></td>
                        <td class="n">${percent(a.rate)}</td>
                        <td class="n">${a.meanScore === null ? '—' : a.meanScore.toFixed(2)}</td>
                        <td class="n">${a.errors}</td>
                        <td>
                          <a href=${hrefOf('run', run.id, { assertion: a.name })}>failures</a>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
    </div>`;
}

/** A run: its summary and charts, its results filtered on the server, an open case. */
export function RunPage({
  id,
  params,
  version,
}: {
  readonly id: string;
  readonly params: URLSearchParams;
  readonly version: number;
}): VNode {
  const loaded = useJson<RunSummary>(`/api/runs/${encodeURIComponent(id)}`, version);
  const rowAt = useRef<((index: number) => ResultRow | undefined) | undefined>(undefined);
  const cursor = useRef(-1);
  const current: Record<string, string | undefined> = Object.fromEntries(
    FILTERS.map((k) => [k, params.get(k) ?? undefined]),
  );
  const selected = params.get('case') ?? undefined;
  const set = (changes: Record<string, string | undefined>): void => {
    go(hrefOf('run', id, { ...current, case: selected, ...changes }), true);
  };
  const query = new URLSearchParams(
    Object.entries(current).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const results = `/api/runs/${encodeURIComponent(id)}/results?${query.toString()}`;
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (
        (event.target as HTMLElement).tagName === 'INPUT' ||
        (event.key !== 'j' && event.key !== 'k')
      )
        return;
      const next = Math.max(0, cursor.current + (event.key === 'j' ? 1 : -1));
      const row = rowAt.current?.(next);
      if (row === undefined) return;
      cursor.current = next;
      set({ case: row.caseId });
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
    };
  });
  const summary = loaded.value;
  if (summary === undefined && loaded.state === 'error')
    return html`<${Failure} error=${loaded.error} />`;
  const run = summary?.run;
  // The table does not wait for the summary: a filter's options come with it, its value now.
  const select = (name: string, known: readonly string[], label: string): VNode => {
    const value = current[name];
    const options = value === undefined || known.includes(value) ? known : [...known, value];
    return html`<label
      >${label}
      <select
        value=${value ?? '*'}
        onChange=${(e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          set({ [name]: v === '*' ? undefined : v });
        }}
      >
        <option value="*">all</option>
        ${options.map((o) => html`<option value=${o}>${o === '' ? '(none)' : o}</option>`)}
      </select></label
    >`;
  };
  return html`
    <h1>
      Run
      <span class="case-id">${id}</span>
      ${run === undefined ? null : run.running ? html`<span class="status running">● running</span>` : html`<span class=${`status ${run.status}`}>${run.status}</span>`}
    </h1>
    ${
      run === undefined
        ? html`<p class="muted">Loading the summary…</p>`
        : html`<p class="muted">
            ${[when(run.createdAt), run.configFile ?? 'no configuration file', run.workflows.join(', '), ...(run.statusReason === null ? [] : [run.statusReason])].join(' · ')}
            ${run.optimization ? html`<a class="badge" href=${hrefOf('optimization', run.id)}>its optimization</a>` : null}
          </p>`
    }
    ${summary === undefined ? null : html`<${Summary} summary=${summary} />`}
    <h2>Results</h2>
    <div class="toolbar">
      ${select('status', ['passed', 'failed', ...Object.keys(summary?.statuses ?? {})], 'Status')}
      ${select('workflow', run?.workflows ?? [], 'Workflow')}
      ${(run?.variants.length ?? 0) > 0 || current.variant !== undefined ? select('variant', ['', ...(run?.variants ?? [])], 'Variant') : null}
      ${select('assertion', summary?.assertions.map((a) => a.name) ?? [], 'Failed assertion')}
      <input
        type="search"
        data-search
        placeholder="Search inputs and outputs (/)"
        value=${current.q ?? ''}
        onChange=${(e: Event) => {
          set({ q: (e.target as HTMLInputElement).value || undefined });
        }}
      />
    </div>
    <${ResultsTable}
      query=${results}
      version=${version}
      sort=${current.sort ?? 'position'}
      selected=${selected}
      cursor=${cursor.current}
      rowAt=${rowAt}
      onSort=${(sort: string) => {
        set({ sort });
      }}
      onOpen=${(row: ResultRow, index: number) => {
        cursor.current = index;
        set({ case: row.caseId });
      }}
    />
    ${
      selected === undefined
        ? null
        : html`<${CaseDrawer}
            runId=${id}
            caseId=${selected}
            version=${version}
            onClose=${() => {
              set({ case: undefined });
            }}
          />`
    }
  `;
}
