import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { useJson } from './api.js';
import type { RunEntry } from './api-types.js';
import { count, interval, ms, money, percent, when } from './format.js';
import { go, hrefOf } from './route.js';
import { Failure } from './widgets.js';

const matches = (run: RunEntry, filter: string): boolean =>
  filter === '' ||
  [run.id, run.status, run.configFile ?? '', ...run.workflows, ...run.variants].some((field) =>
    field.toLowerCase().includes(filter.toLowerCase()),
  );

/** Every run, newest first, filterable; two picked are compared. */
export function RunsPage({ version }: { readonly version: number }): VNode {
  const loaded = useJson<{ runs: RunEntry[] }>('/api/runs', version);
  const [filter, setFilter] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  if (loaded.value === undefined)
    return loaded.state === 'error'
      ? html`<${Failure} error=${loaded.error} />`
      : html`<p class="muted">Loading runs…</p>`;
  const runs = loaded.value.runs.filter((run) => matches(run, filter));
  const pick = (id: string): void => {
    setPicked((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id].slice(-2)));
  };
  const [a, b] = picked;
  return html`
    <h1>Runs</h1>
    <div class="toolbar">
      <input
        type="search"
        data-search
        placeholder="Filter runs (/)"
        value=${filter}
        onInput=${(e: Event) => {
          setFilter((e.target as HTMLInputElement).value);
        }}
      />
      <button
        disabled=${b === undefined}
        onClick=${() => {
          go(hrefOf('compare', '', { a, b }));
        }}
      >
        Compare the two picked
      </button>
      <span class="muted"
        >${`${count(runs.length)} of ${count(loaded.value.runs.length)} runs`}</span
      >
    </div>
    ${
      loaded.value.runs.length === 0
        ? html`<p class="empty">
            No runs in this store yet: <code>dify-autoopt run -c your.yaml</code> makes one.
          </p>`
        : html`<table class="grid runs">
            <thead>
              <tr>
                <th></th>
                <th>Run</th>
                <th>Started</th>
                <th>Config</th>
                <th>Workflows</th>
                <th class="n">Cases</th>
                <th class="n">Pass rate</th>
                <th class="n">Duration</th>
                <th class="n">Tokens</th>
                <th class="n">Cost</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              ${runs.map(
                (run) =>
                  html`<tr key=${run.id} class=${picked.includes(run.id) ? 'picked' : ''}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label=${`pick ${run.id}`}
                        checked=${picked.includes(run.id)}
                        onChange=${() => {
                          pick(run.id);
                        }}
                      />
                    </td>
                    <td>
                      <a href=${hrefOf('run', run.id)}>${run.id}</a>
                      ${run.optimization ? html` <a class="badge" href=${hrefOf('optimization', run.id)}>optimization</a>` : null}
                    </td>
                    <td>${when(run.createdAt)}</td>
                    <td class="path">${run.configFile ?? '—'}</td>
                    <td>
                      ${run.workflows.join(', ')}${run.variants.length > 0 ? html` <span class="muted">(${run.variants.length} variants)</span>` : null}
                    </td>
                    <td class="n">${count(run.cases)}</td>
                    <td class="n" title=${interval(run.rate.interval)}>
                      ${percent(run.rate.rate)}
                    </td>
                    <td class="n">${ms(run.durationMs)}</td>
                    <td class="n">${count(run.tokens)}</td>
                    <td class="n">${money(run.cost)}</td>
                    <td>
                      <span class=${`status ${run.status}`}
                        >${run.running ? '● running' : run.status}</span
                      >
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}
